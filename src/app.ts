import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { Config } from './config';
import { createContext, type Context } from './context';
import type { Database } from './db/database';
import type { WorkStats } from './db/prisma';
import { createResponseCache } from './graphql/cache/setup';
import { costPlugin } from './graphql/plugins/cost';
import { limitParseOptions, limitsPlugin, limitValidationRules } from './graphql/plugins/limits';
import { loggingPlugin } from './graphql/plugins/logging';
import { createErrorFormatter } from './graphql/plugins/masking';
import { withoutSuggestions } from './graphql/plugins/suggestions';
import { introspectionPlugin } from './graphql/plugins/introspection';
import { signInAttemptsPlugin } from './graphql/plugins/rate-limit';
import { textInputPlugin } from './graphql/plugins/text-input';
import { unavailablePlugin } from './graphql/plugins/unavailable';
import { setUpPersistedOperations } from './graphql/persisted/setup';
import { compiledExecution } from './graphql/executor';
import { createSchema } from './graphql/schema';
import { authRoutes } from './http/auth/routes';
import { ReturnUrls } from './http/auth/return-url';
import { httpErrorHandler } from './http/errors';
import { healthRoutes } from './http/health';
import { createLifecycle } from './http/lifecycle';
import { requestId } from './http/request-id';
import { requestDeadline, securityHeaders, serverTimeouts } from './http/security';
import { paymentWebhookRoutes } from './http/webhooks/payments';
import { startIdentityProviders, type IdentityProvidersRuntime } from './integrations/oidc/setup';
import { startPayments, type PaymentsRuntime } from './integrations/payments/setup';
import { startDomainEvents } from './modules/events/runtime';
import { startExpiryJob } from './modules/order/expiry';
import { releasesStock } from './modules/order/state-machine';
import type { Logger } from './logger';
import { createObservability } from './observability/setup';
import type { Tracing } from './observability/tracing';
import { createRateLimits } from './rate-limit/setup';
import { createPubSub, type PubSub } from './realtime/pubsub';
import { publishOrderStatus } from './realtime/topics';
import { attachSubscriptionServer } from './realtime/ws-server';

export interface GatewayOptions {
  config: Config;
  database: Database;
  log: Logger;
  /** Serve without graphql-shield: only for the benchmark's comparison. */
  permissions?: boolean;
  /** Live-update messages; by default Redis at REDIS_URL, else in-process. One passed in is not closed by `stop()`. */
  pubsub?: PubSub;
  /** The payment provider; by default the configured one, or the in-process sandbox. One passed in is not stopped by `stop()`. */
  payments?: PaymentsRuntime;
  /** Run the job that expires unpaid orders in this process (default true). */
  expiryJob?: boolean;
  /** Run the outbox relay, its consumers and the webhook dispatcher in this process (default true). */
  domainEvents?: boolean;
  /** Tracing instead of the one the OTEL_* variables configure (tests: an in-memory exporter). One passed in is not shut down by `stop()`. */
  tracing?: Tracing;
}

export interface Gateway {
  httpServer: http.Server;
  /** The payment provider this gateway talks to (and, in sandbox mode, the sandbox's URL and key). */
  payments: PaymentsRuntime;
  /** The sign-in providers (and, in dev mode, the development identity provider's URL). */
  identity: IdentityProvidersRuntime;
  /** Listens on `port` (0 for any free port) and returns the GraphQL endpoint's URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Where /metrics is served on a port of its own (METRICS_PORT), once listening; otherwise null. */
  readonly metricsUrl: string | null;
  /**
   * Shuts down: /readyz turns 503 at once while requests are still served for
   * `graceMs`; then subscription sockets close (1001), no new connection is
   * accepted, every request received is answered (at most `timeoutMs`), and
   * the jobs, payment sandbox and pub/sub it owns are closed.
   */
  stop(options?: { graceMs?: number; timeoutMs?: number }): Promise<void>;
}

/**
 * CORS headers from CORS_ORIGINS. Only a browser's cross-origin request
 * carries an Origin, and only it reads them: requests without one (servers,
 * apps, load generators) skip the origin matching, and every answer says it
 * varies by Origin, so a shared cache never hands one origin's answer to another.
 */
function corsFor(origins: readonly string[]): express.RequestHandler {
  const handler = cors({ origin: origins.includes('*') ? true : [...origins], maxAge: 600 });
  return (req, res, next) => {
    if (req.headers.origin === undefined) {
      res.vary('Origin');
      next();
      return;
    }
    handler(req, res, next);
  };
}

/** Builds the HTTP application (GraphQL, health checks); does not listen. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, database, log, permissions = true, pubsub: givenPubSub, payments: givenPayments } = options;
  const app = express();
  app.disable('x-powered-by');
  // req.ip, the address an anonymous client's budget is kept under, reads X-Forwarded-For only from trusted proxies.
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders({ sandbox: config.introspection }));
  const httpServer = http.createServer(serverTimeouts(config.requestTimeoutMs), app);
  // One schema for HTTP and WebSocket: subscriptions are validated and guarded exactly like queries.
  const schema = createSchema({ permissions });
  // Before anything starts: a manifest that does not fit the schema stops start-up here.
  const persisted = await setUpPersistedOperations(config, schema, log);
  // Anonymous public queries answered from memory or Redis; Cache-Control on GET (docs/operations.md).
  const responseCache = await createResponseCache(config, schema, log);

  const rateLimits = createRateLimits(config.rateLimit, config.redisUrl, log);
  // Prometheus metrics always; OpenTelemetry spans only when OTEL_* turn them on (docs/operations.md).
  const observability = await createObservability({ config, statements: database.statements, log, tracing: options.tracing });

  const apollo = new ApolloServer<Context>({
    // The schema, executed by compiled queries (src/graphql/executor.ts).
    gateway: compiledExecution(schema),
    // Off or on by introspectionPlugin, which unlike Apollo's own rule lets `__type` probes of no type answer null.
    introspection: true,
    csrfPrevention: true,
    // src/server.ts owns the signals: it drains, then closes the database.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    parseOptions: limitParseOptions(config.queryLimits),
    validationRules: limitValidationRules(config.queryLimits),
    persistedQueries: persisted.apollo,
    includeStacktraceInErrorResponses: !config.isProduction,
    formatError: withoutSuggestions(createErrorFormatter({ mask: config.isProduction }), config.isProduction || !config.introspection),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's per-field cache policy cost about 40% of throughput on list pages when measured;
      // the response cache works the same @cacheControl hints out once per operation instead.
      ApolloServerPluginCacheControlDisabled(),
      config.introspection
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      loggingPlugin(),
      ...observability.plugins,
      unavailablePlugin(),
      textInputPlugin(),
      introspectionPlugin({ enabled: config.introspection }),
      limitsPlugin(config.queryLimits),
      costPlugin({ maxCost: config.queryLimits.maxCost, budget: rateLimits.budget, log }),
      ...(rateLimits.signIn ? [signInAttemptsPlugin(rateLimits.signIn)] : []),
      responseCache.plugin,
    ],
  });
  await apollo.start();
  const pubsub = givenPubSub ?? createPubSub(config, log);
  const payments = givenPayments ?? (await startPayments(config.payments, log));
  const paymentProvider = observability.countPayments(payments.provider);
  const identity = startIdentityProviders(config.auth, log);
  // The origin browsers reach the gateway at: PUBLIC_URL, else where it listens (set by listen()).
  let publicUrl = config.auth.publicUrl ?? `http://localhost:${config.port}`;
  // Subscribers hear of a change only after its transaction committed; a lost message is logged, the change stands.
  const announceStatus = (orderId: number, status: Parameters<typeof publishOrderStatus>[1]['status']) => {
    publishOrderStatus(pubsub, { orderId, status, at: new Date().toISOString() }).catch((error: unknown) =>
      log.error({ err: error, orderId }, 'publishing an order status change failed'),
    );
    // An expired order's stock is back on sale.
    if (releasesStock(status)) void responseCache.invalidate();
  };
  const expiry =
    options.expiryJob === false
      ? null
      : startExpiryJob({
          db: database.prisma,
          log,
          timeoutMs: config.payments.orderPaymentTimeoutMs,
          intervalMs: config.payments.expiryIntervalMs,
          onExpired: (orderId) => announceStatus(orderId, 'CANCELLED'),
        });
  // Domain events: the outbox relay to RabbitMQ (AMQP_URL) or in process, and outgoing webhooks.
  const domainEvents = options.domainEvents === false ? null : await startDomainEvents({ config, db: database.prisma, log, embedded: database.embedded });

  const lifecycle = createLifecycle();
  app.use(lifecycle.middleware);
  app.use(requestId());
  const graphqlHandler = expressMiddleware(apollo, {
    context: ({ req, res }) =>
      createContext({
        db: database.prisma,
        config,
        authorization: req.get('authorization'),
        clientAddress: req.ip,
        requestId: res.locals.requestId as string,
        log,
        stats: res.locals.stats as WorkStats,
        pubsub,
        payments: paymentProvider,
        catalogChanged: responseCache.invalidate,
        metrics: observability.metrics,
        batches: observability.batches,
      }),
  });
  // GraphQL first: nearly every request is one, and need not pass the other routes' matching.
  app.use(
    '/graphql',
    corsFor(config.corsOrigins),
    express.json({ limit: config.maxBodyBytes }),
    requestDeadline(config.requestTimeoutMs, log),
    persisted.guard,
    (req, res, next) => {
      // Every statement this request causes, loader batches included, is counted here (when counted at all: SQL_STATEMENTS_PER_REQUEST).
      const stats: WorkStats = { statements: config.statementsPerRequest ? 0 : null };
      res.locals.stats = stats;
      observability.runRequest(req, res, () => database.statements.run(stats, () => graphqlHandler(req, res, next)));
    },
  );
  app.use(healthRoutes({ db: database.prisma, log, stopping: () => lifecycle.stopping }));
  app.use(observability.routes);
  app.use(
    paymentWebhookRoutes({
      db: database.prisma,
      log,
      secrets: () => payments.webhookSecrets,
      onOrderStatusChanged: ({ orderId, status }) => announceStatus(orderId, status),
      onOutcome: (outcome) => observability.metrics.webhookEvent(outcome),
    }),
  );
  app.use(
    authRoutes({
      db: database.prisma,
      log,
      providers: identity.providers,
      returnUrls: new ReturnUrls(config.auth.returnUrls, () => publicUrl),
      publicUrl: () => publicUrl,
    }),
  );

  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found. The GraphQL endpoint is /graphql.', extensions: { code: 'NOT_FOUND' } }] });
  });
  app.use(httpErrorHandler(log));
  const subscriptions = attachSubscriptionServer({
    httpServer,
    schema,
    config,
    db: database.prisma,
    log,
    pubsub,
    payments: paymentProvider,
    metrics: observability.metrics,
    budget: rateLimits.budget,
    path: '/graphql',
  });
  observability.metrics.countSubscriptions(() => subscriptions.openSubscriptions());
  let metricsUrl: string | null = null;

  return {
    httpServer,
    payments,
    identity,
    get metricsUrl() {
      return metricsUrl;
    },
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const address = httpServer.address() as AddressInfo;
      const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      // The in-process sandbox delivers its webhooks here, over loopback.
      payments.attachGateway(`http://127.0.0.1:${address.port}`);
      publicUrl = config.auth.publicUrl ?? `http://${shownHost}:${address.port}`;
      await identity.attachGateway(publicUrl);
      metricsUrl = await observability.listen(host);
      return `http://${shownHost}:${address.port}/graphql`;
    },
    async stop({ graceMs = 0, timeoutMs = 30_000 } = {}) {
      // 1. Not ready any more, but still serving, so a load balancer can stop routing here first.
      lifecycle.beginShutdown();
      if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
      // 2. Subscriptions get a clean 1001 (going away: reconnect elsewhere) before their sockets are closed.
      await subscriptions.dispose().catch((error: unknown) => log.error({ err: error }, 'closing subscription sockets failed'));
      // 3. No new connections; every request already received is answered (bounded by timeoutMs).
      const drained = await lifecycle.drain(httpServer, timeoutMs);
      if (!drained) log.warn({ inFlight: lifecycle.inFlight(), timeoutMs }, 'shutdown: requests still in flight after the timeout');
      await apollo.stop();
      await rateLimits.close();
      await persisted.close();
      await responseCache.close();
      await expiry?.stop();
      await domainEvents?.stop();
      if (!givenPayments) await payments.stop();
      await identity.stop();
      if (!givenPubSub) await pubsub.close();
      await observability.close();
    },
  };
}
