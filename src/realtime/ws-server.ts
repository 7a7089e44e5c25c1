import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { Context as ConnectionContext } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import { createContext, type Context, type ContextInput } from '../context';
import { ErrorCode } from '../graphql/errors';
import { classifyError } from '../graphql/faults';
import { createErrorFormatter } from '../graphql/plugins/masking';
import { findTextInputError } from '../graphql/plugins/text-input';
import { isTokenLimit, limitParseOptions, limitValidationRules, tooComplex } from '../graphql/plugins/limits';
import { withoutSuggestion } from '../graphql/plugins/suggestions';
import { requestedCost } from '../graphql/cost/requested-cost';
import { costBudgetExhausted } from '../graphql/plugins/rate-limit';
import { wholePoints } from '../graphql/plugins/cost';
import type { CostBudget } from '../rate-limit/budget';
import { budgetKey } from '../rate-limit/client-key';
import { authenticate } from '../modules/account/authentication';
import { createLoaders } from '../registry';

/** Largest WebSocket message accepted; a larger one closes the socket (1009). Subscription documents are small. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** How long a new socket may take to send `connection_init` before it is closed (4408). */
export const CONNECTION_INIT_TIMEOUT_MS = 5_000;
/** Operations one socket may run at once; more are refused (RATE_LIMITED) rather than held. */
export const MAX_OPERATIONS_PER_CONNECTION = 25;
/** On shutdown, how long clients get to answer the 1001 close before their sockets are dropped. */
const DISPOSE_GRACE_MS = 3_000;
/** setTimeout's longest delay; access tokens live at most a day, far below it. */
const MAX_TIMER_MS = 2_147_483_647;

/** Close codes of this server beside graphql-ws's own (4400 bad request, 4403 forbidden, 4408 init timeout, …). */
export const CloseCodes = {
  /** The access token the connection was opened with has expired: refresh it and reconnect. */
  TokenExpired: 4401,
  /** The server is shutting down. */
  GoingAway: 1001,
} as const;

/** What every context of the gateway shares (database, configuration, logger, pub/sub, …), as `createContext` takes it. */
export type SharedContextInput = Omit<ContextInput, 'requestId' | 'stats' | 'authorization'>;

/**
 * `db`, `config`, `log`, `pubsub` and any other gateway-wide part of a
 * context: whatever `createContext` needs besides the per-request values,
 * so a context built here is the same as one built for an HTTP request.
 */
export interface SubscriptionServerOptions extends SharedContextInput {
  /** The HTTP server GraphQL is served on: WebSocket upgrades of `path` are taken over here. */
  httpServer: http.Server;
  /** The gateway's schema, shield included: the one HTTP requests are executed against. */
  schema: GraphQLSchema;
  /** The GraphQL endpoint's path, e.g. '/graphql'. */
  path: string;
  /** The clients' cost budgets (the ones HTTP requests draw on); null or absent when rate limiting is off. */
  budget?: CostBudget | null;
}

export interface SubscriptionServer {
  /** Subscriptions running now, on every socket (metrics read it at each scrape). */
  openSubscriptions(): number;
  /** Closes every socket with 1001 (going away), ending their subscriptions, and stops taking new ones. */
  dispose(): Promise<void>;
}

/** What one socket keeps from its `connection_init`. */
interface Session {
  /** The Authorization value of `connection_init`, verified once; operations and events authenticate with it again. */
  authorization: string | undefined;
  userId: number | null;
  /** Closes the socket when the access token expires. */
  expiryTimer: NodeJS.Timeout | undefined;
  /** The socket's operations by the client's id, for logs and error reports. */
  operations: Map<string, { requestId: string; operationName: string | null; started: bigint; results: number }>;
}

type Connection = ConnectionContext<Record<string, unknown> | undefined, Extra>;

/** The `authorization` entry of a `connection_init` payload (its name compared without regard to case, as an HTTP header's). */
function authorizationOf(params: Record<string, unknown> | undefined): unknown {
  const key = Object.keys(params ?? {}).find((name) => name.toLowerCase() === 'authorization');
  return key === undefined ? undefined : params?.[key];
}

function isUnauthenticated(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAUTHENTICATED;
}

/** `error` again with another message or other extensions; where it points in the document is kept. */
function changed(error: GraphQLError, { message = error.message, extensions = error.extensions }: { message?: string; extensions?: Record<string, unknown> }): GraphQLError {
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions });
}

/** An error of the HTTP path for a socket: its `http` extension (status, headers) means nothing here and is dropped. */
function overSocket(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return changed(error, { extensions });
}

/** The same error with a code, so the masking formatter treats it as the client's (Apollo codes these the same way). */
function coded(error: GraphQLError, code: string): GraphQLError {
  return changed(error, { extensions: { ...error.extensions, code } });
}

/**
 * Maps a source stream with an async function and, unlike an async
 * generator, forwards `return()` to the source at once even while a `next()`
 * is pending, so a client leaving unsubscribes immediately. When `map` fails,
 * the source is closed and the error ends the stream (graphql-ws then sends
 * it as the operation's error).
 */
function mapEvents<T, R>(iterable: AsyncIterable<T>, map: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const source = iterable[Symbol.asyncIterator]();
  const close = async () => {
    await source.return?.();
  };
  const mapped: AsyncIterableIterator<R> = {
    async next() {
      const result = await source.next();
      if (result.done) return { value: undefined, done: true };
      try {
        return { value: await map(result.value), done: false };
      } catch (error) {
        await close().catch(() => undefined);
        throw error;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Serves GraphQL subscriptions (graphql-transport-ws protocol) on the HTTP
 * server's GraphQL path. Queries and mutations stay on HTTP, where the
 * request limits, CSRF prevention and per-request logs apply; a socket may
 * only subscribe.
 *
 * Authentication is the `authorization` entry of `connection_init`
 * (`{ "authorization": "Bearer <access token>" }`); without one the
 * connection is anonymous (and subscriptions answer UNAUTHENTICATED), with a
 * bad one it is closed with 4403. A socket lives no longer than its token:
 * it is closed with 4401 when the token expires.
 */
export function attachSubscriptionServer({ httpServer, schema, path, budget = null, ...shared }: SubscriptionServerOptions): SubscriptionServer {
  const { config, db, log } = shared;
  const wss = new WebSocketServer({ server: httpServer, path, maxPayload: MAX_PAYLOAD_BYTES });
  const sessions = new WeakMap<WebSocket, Session>();
  const limits = config.queryLimits;
  const validationRules = [
    ...(config.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule]),
    ...limitValidationRules(limits),
  ];
  // As over HTTP: no "Did you mean …?" where the schema is not to be read (production, or introspection off).
  const hideSuggestion = (error: GraphQLError): GraphQLError =>
    config.isProduction || !config.introspection ? changed(error, { message: withoutSuggestion(error.message) }) : error;
  const formatError = createErrorFormatter({ mask: config.isProduction });
  // Each subscription's way to build a fresh context for one event, by the subscription's own context.
  const eventContexts = new WeakMap<object, () => Promise<Context>>();

  const sessionOf = (connection: Connection): Session | undefined => sessions.get(connection.extra.socket);

  const newContext = (session: Session, requestId: string): Promise<Context> =>
    createContext({ ...shared, requestId, stats: { statements: 0 }, authorization: session.authorization });

  /** Errors as a client receives them: masked like HTTP responses, with the operation's request id; faults are logged. */
  const formatErrors = (errors: readonly GraphQLError[], requestId: string | undefined): GraphQLFormattedError[] =>
    errors.map((error) => {
      if (classifyError(error).fault) log.error({ err: error.originalError ?? error, path: error.path, requestId }, 'subscription fault');
      const formatted = formatError(error.toJSON(), error);
      return requestId ? { ...formatted, extensions: { ...formatted.extensions, requestId } } : formatted;
    });

  /**
   * graphql-js runs every event of a subscription with the context it was
   * subscribed with, so its loaders would cache rows across events for as
   * long as the subscription lives (an order would never be seen to change).
   * Instead the source stream is created with the operation's context, and
   * each event is executed with a context of its own: fresh loaders, and the
   * viewer authenticated again (a deleted user or a changed role counts at
   * once). Doing it in `resolve` instead would not reach the fields below
   * it, which read `ctx.loaders` of the execution's context.
   */
  const subscribeWithEventContexts = async (args: ExecutionArgs): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> => {
    const nextContext = eventContexts.get(args.contextValue as object);
    if (!nextContext) throw new Error('A subscription without a connection session');
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream as ExecutionResult;
    return mapEvents(stream, async (event) => execute({ ...args, rootValue: event, contextValue: await nextContext() }));
  };

  const server = useServer(
    {
      // No `schema` option: onSubscribe parses and validates against `schema` itself and returns the execution arguments.
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      isProd: config.isProduction,
      async onConnect(connection) {
        const authorization = authorizationOf(connection.connectionParams);
        if (authorization !== undefined && typeof authorization !== 'string') return false;
        let viewer;
        try {
          viewer = await authenticate(authorization, config, createLoaders(db));
        } catch (error) {
          if (!isUnauthenticated(error)) {
            // graphql-ws closes the socket with 4500 (the message hidden in production).
            log.error({ err: error }, 'websocket authentication failed');
            throw error;
          }
          log.info({ reason: error.message }, 'websocket connection refused');
          return false; // graphql-ws closes with 4403 Forbidden
        }
        const session: Session = { authorization, userId: viewer?.id ?? null, expiryTimer: undefined, operations: new Map() };
        const socket = connection.extra.socket;
        if (viewer && authorization) {
          // The signature was verified just now; only the expiry is read here.
          const exp = decodeJwt(authorization.slice('Bearer '.length)).exp;
          if (exp !== undefined) {
            const delay = Math.min(Math.max(exp * 1000 - Date.now(), 0), MAX_TIMER_MS);
            session.expiryTimer = setTimeout(() => socket.close(CloseCodes.TokenExpired, 'Access token expired'), delay);
            session.expiryTimer.unref();
          }
        }
        sessions.set(socket, session);
        return true;
      },
      async onSubscribe(connection, id, payload) {
        const session = sessionOf(connection);
        if (!session) throw new Error('A subscribe message before the connection was acknowledged');
        if (session.operations.size >= MAX_OPERATIONS_PER_CONNECTION) {
          shared.metrics?.rateLimitRefused('subscriptions_per_connection');
          return [new GraphQLError(`At most ${MAX_OPERATIONS_PER_CONNECTION} subscriptions per connection.`, { extensions: { code: ErrorCode.RATE_LIMITED } })];
        }
        // The limits of HTTP (tokens, depth, aliases, directives, cost) hold here too, before anything runs.
        let document: DocumentNode;
        try {
          document = parse(payload.query, limitParseOptions(limits));
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          if (isTokenLimit(payload.query, limits.maxTokens, error)) return [overSocket(tooComplex('tokens', limits.maxTokens))];
          return [hideSuggestion(coded(error, 'GRAPHQL_PARSE_FAILED'))];
        }
        const invalid = validate(schema, document, validationRules);
        if (invalid.length > 0) return invalid.map((error) => hideSuggestion(error.extensions?.code ? overSocket(error) : coded(error, 'GRAPHQL_VALIDATION_FAILED')));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify the operation to run.', { extensions: { code: 'BAD_REQUEST' } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations over HTTP.', { extensions: { code: 'BAD_REQUEST' } })];
        }
        // The same edge check of text input as over HTTP: nothing malformed reaches a resolver.
        const badText = findTextInputError(schema, document, operation, payload.variables ?? undefined);
        if (badText) return [badText];
        const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 1 });
        if (variables.coerced) {
          let cost: number;
          try {
            cost = wholePoints(requestedCost(schema, document, operation, variables.coerced));
          } catch (error) {
            if (error instanceof GraphQLError) return [error];
            throw error;
          }
          if (cost > limits.maxCost) return [overSocket(tooComplex('cost', limits.maxCost, cost))];
          // A subscription is charged its requested cost once, from the budget the client's HTTP requests draw on,
          // so subscribing in a loop is limited like querying in one.
          if (budget && cost > 0) {
            const key = budgetKey(session.userId === null ? null : { id: session.userId }, connection.extra.request.socket.remoteAddress);
            const taken = await budget.take(key, cost);
            if (!taken.granted) {
              shared.metrics?.rateLimitRefused('cost_budget');
              return [overSocket(costBudgetExhausted(taken, cost, 'subscription'))];
            }
          }
        }

        const requestId = randomUUID();
        // Counted before the context is built (it awaits the database), so a burst of subscribe messages cannot pass the cap.
        session.operations.set(id, { requestId, operationName: operation.name?.value ?? payload.operationName ?? null, started: process.hrtime.bigint(), results: 0 });
        let contextValue: Context;
        try {
          contextValue = await newContext(session, requestId);
        } catch (error) {
          session.operations.delete(id);
          // The token was valid at connection time; one that no longer is (its user was deleted) ends here.
          if (isUnauthenticated(error)) return [error];
          throw error;
        }
        eventContexts.set(contextValue, () => newContext(session, requestId));
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      subscribe: subscribeWithEventContexts,
      onNext(connection, id, _payload, _args, result) {
        const operation = sessionOf(connection)?.operations.get(id);
        if (operation) operation.results += 1;
        if (!result.errors) return;
        return { ...result, errors: formatErrors(result.errors, operation?.requestId) };
      },
      onError(connection, id, _payload, errors) {
        return formatErrors(errors, sessionOf(connection)?.operations.get(id)?.requestId);
      },
      onComplete(connection, id) {
        const session = sessionOf(connection);
        const operation = session?.operations.get(id);
        if (!session || !operation) return;
        session.operations.delete(id);
        log.info(
          {
            requestId: operation.requestId,
            operationName: operation.operationName,
            userId: session.userId,
            results: operation.results,
            durationMs: Number(process.hrtime.bigint() - operation.started) / 1e6,
          },
          'graphql subscription ended',
        );
      },
      onClose(connection) {
        const session = sessionOf(connection);
        if (session) clearTimeout(session.expiryTimer);
      },
    },
    wss,
  );

  return {
    openSubscriptions() {
      let open = 0;
      for (const socket of wss.clients) open += sessions.get(socket)?.operations.size ?? 0;
      return open;
    },
    async dispose() {
      for (const socket of wss.clients) clearTimeout(sessions.get(socket)?.expiryTimer);
      // graphql-ws closes every socket with 1001 and waits for them to be closed; a client that
      // does not answer the close is dropped after a grace period rather than holding up shutdown.
      const force = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, DISPOSE_GRACE_MS);
      force.unref();
      try {
        await server.dispose();
      } finally {
        clearTimeout(force);
      }
    },
  };
}
