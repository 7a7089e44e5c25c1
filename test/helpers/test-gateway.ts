import { createGateway } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createPrismaClient, StatementCounter, type Db } from '../../src/db/prisma';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
}

export interface TestGateway {
  url: string;
  /** The origin (http://127.0.0.1:port) for non-GraphQL routes. */
  origin: string;
  prisma: Db;
  testDatabase: TestDatabase;
  /** POSTs a GraphQL operation as JSON and returns status and parsed body. */
  graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /** Runs `work` and returns how many SQL statements the gateway sent meanwhile. */
  countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  /** Fills the fresh database before the gateway starts. */
  seed?: (prisma: Db) => Promise<void>;
  permissions?: boolean;
}

/**
 * A real gateway on a real HTTP port over its own fresh database, the way a
 * client meets it: the production schema, shield included.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const testDatabase = await createTestDatabase();
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.env, DATABASE_URL: testDatabase.url });
  const statements = new StatementCounter();
  const prisma = createPrismaClient(testDatabase.url, { poolSize: testDatabase.embedded ? 1 : 10, statements });
  const database: Database = {
    prisma,
    statements,
    embedded: testDatabase.embedded,
    description: 'test database',
    close: () => prisma.$disconnect(),
  };
  if (options.seed) await options.seed(prisma);

  const gateway = await createGateway({ config, database, log: createLogger(config), permissions: options.permissions });
  const url = await gateway.listen(0, '127.0.0.1');
  const origin = new URL(url).origin;

  return {
    url,
    origin,
    prisma,
    testDatabase,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<never>['body'] };
    },
    async countStatements(work) {
      const before = statements.total;
      const result = await work();
      return { result, statements: statements.total - before };
    },
    async close() {
      await gateway.stop();
      await prisma.$disconnect();
      await testDatabase.drop();
    },
  };
}

/** The `extensions.code` of each error, in order. */
export function errorCodes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
