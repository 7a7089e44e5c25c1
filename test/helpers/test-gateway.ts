import { createGateway } from '../../src/app';
import type { PaymentsRuntime } from '../../src/integrations/payments/setup';
import { loadConfig, type Config } from '../../src/config';
import { connectDatabase } from '../../src/db/database';
import type { Db } from '../../src/db/prisma';
import type { CostExtension } from '../../src/graphql/plugins/cost';
import { createLogger, type Logger } from '../../src/logger';
import type { PubSub } from '../../src/realtime/pubsub';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A GraphQL error as a response body carries it. */
export interface GraphQLErrorBody {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  /** The body without `extensions.cost` (see `cost`), so that a test can compare what the operation answered as a whole. */
  body: {
    data?: TData | null;
    errors?: GraphQLErrorBody[];
    extensions?: Record<string, unknown>;
  };
  /** `extensions.cost` of the body, which every response carries (docs/api.md, "Query cost and rate limits"). */
  cost?: CostExtension;
}

/** Moves `extensions.cost` out of a response body (dropping `extensions` when nothing else is in it). */
export function separateCost(body: GraphQLResponse['body']): { body: GraphQLResponse['body']; cost?: CostExtension } {
  if (!body || typeof body !== 'object' || !body.extensions || !('cost' in body.extensions)) return { body };
  const { cost, ...extensions } = body.extensions;
  const { extensions: _dropped, ...rest } = body;
  return { body: Object.keys(extensions).length > 0 ? { ...rest, extensions } : rest, cost: cost as CostExtension };
}

/**
 * A GraphQL document with the types of its result and of its variables, so
 * that a test sending it is checked by the compiler on both sides (a typo in
 * a variable, a field read that the selection does not have). No codegen: the
 * test states the types next to the document.
 */
export interface TypedOperation<TData, TVariables> {
  readonly query: string;
  /** Never set: carries the types only. */
  readonly types?: { data: TData; variables: TVariables };
}

export function typedOperation<TData, TVariables extends Record<string, unknown> = Record<string, never>>(
  query: string,
): TypedOperation<TData, TVariables> {
  return { query };
}

export interface TestGateway {
  url: string;
  /** The origin (http://127.0.0.1:port) for non-GraphQL routes. */
  origin: string;
  /** The payment provider of the gateway: by default the in-process sandbox (its URL, API key and webhook secrets). */
  payments: PaymentsRuntime;
  prisma: Db;
  testDatabase: TestDatabase;
  /** POSTs a GraphQL operation as JSON and returns status and parsed body. */
  graphql<TData, TVariables>(
    operation: TypedOperation<TData, TVariables>,
    variables: TVariables,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /** Runs `work` and returns how many SQL statements the gateway sent meanwhile. */
  countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }>;
  close(): Promise<void>;
}

/**
 * The environment of a production gateway (introspection off, errors
 * masked). Production refuses to start without a real 32+ byte JWT secret
 * and a configured payment provider; the provider's address here is a closed
 * local port, for tests that never take a payment.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-of-at-least-32-bytes',
  PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
  PAYMENT_API_KEY: 'sk_test_production_tests',
  PAYMENT_WEBHOOK_SECRET: 'whsec_production_tests_secret',
};

export interface TestGatewayOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  /** Fills the fresh database before the gateway starts. */
  seed?: (prisma: Db) => Promise<void>;
  permissions?: boolean;
  /** The gateway's pub/sub (left open by `close()`); by default the gateway makes its own from the config. */
  pubsub?: PubSub;
  /** The gateway's logger; by default one at LOG_LEVEL (silent in tests). Pass one to read what it logs. */
  log?: Logger;
  /**
   * Run the background jobs (unpaid-order expiry; the outbox relay and the
   * webhook dispatcher). Off by default: their SQL would be counted with a
   * request's, and tests call the jobs' services themselves.
   */
  expiryJob?: boolean;
  domainEvents?: boolean;
}

/**
 * A real gateway on a real HTTP port over its own fresh database, the way a
 * client meets it: the production schema, shield included.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const testDatabase = await createTestDatabase();
  let config: Config;
  try {
    config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.env, DATABASE_URL: testDatabase.url });
  } catch (error) {
    await testDatabase.drop();
    throw error;
  }
  const database = connectDatabase(testDatabase.url, {
    poolSize: testDatabase.embedded ? 1 : 10,
    embedded: testDatabase.embedded,
    // As the gateway connects (src/db/database.ts): never for the embedded database, whose one session outlives connections.
    preparedStatements: config.databasePreparedStatements && !testDatabase.embedded,
    description: 'test database',
  });
  const { prisma, statements } = database;
  try {
    if (options.seed) await options.seed(prisma);
  } catch (error) {
    // A gateway that cannot start must not leave its database (an embedded server) running.
    await database.close();
    await testDatabase.drop();
    throw error;
  }

  const gateway = await createGateway({
    config,
    database,
    log: options.log ?? createLogger(config),
    permissions: options.permissions,
    pubsub: options.pubsub,
    expiryJob: options.expiryJob ?? false,
    domainEvents: options.domainEvents ?? false,
  });
  const url = await gateway.listen(0, '127.0.0.1');
  const origin = new URL(url).origin;

  return {
    url,
    origin,
    payments: gateway.payments,
    prisma,
    testDatabase,
    async graphql(operation: string | TypedOperation<unknown, unknown>, variables?: unknown, headers: Record<string, string> = {}) {
      const query = typeof operation === 'string' ? operation : operation.query;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, ...separateCost((await response.json()) as GraphQLResponse<never>['body']) };
    },
    async countStatements(work) {
      const before = statements.total;
      const result = await work();
      return { result, statements: statements.total - before };
    },
    async close() {
      await gateway.stop();
      await database.close();
      await testDatabase.drop();
    },
  };
}

/** The `extensions.code` of each error, in order. */
export function errorCodes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
