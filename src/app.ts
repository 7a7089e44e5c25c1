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
import { loggingPlugin } from './graphql/plugins/logging';
import { createErrorFormatter } from './graphql/plugins/masking';
import { textInputPlugin } from './graphql/plugins/text-input';
import { createSchema } from './graphql/schema';
import { httpErrorHandler } from './http/errors';
import { healthRoutes } from './http/health';
import { requestId } from './http/request-id';
import { paymentWebhookRoutes } from './http/webhooks/payments';
import { startPayments, type PaymentsRuntime } from './integrations/payments/setup';
import { startExpiryJob } from './modules/order/expiry';
import type { Logger } from './logger';
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
}

export interface Gateway {
  httpServer: http.Server;
  /** The payment provider this gateway talks to (and, in sandbox mode, the sandbox's URL and key). */
  payments: PaymentsRuntime;
  /** Listens on `port` (0 for any free port) and returns the GraphQL endpoint's URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Closes subscription sockets (1001), stops accepting requests, lets in-flight ones finish, then closes. */
  stop(): Promise<void>;
}

/** Builds the HTTP application (GraphQL, health checks); does not listen. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, database, log, permissions = true, pubsub: givenPubSub, payments: givenPayments } = options;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // One schema for HTTP and WebSocket: subscriptions are validated and guarded exactly like queries.
  const schema = createSchema({ permissions });

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    // src/server.ts owns the signals: it drains, then closes the database.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.isProduction,
    formatError: createErrorFormatter({ mask: config.isProduction }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No cache hints are used; the plugin cost about 40% of throughput on list pages when measured.
      ApolloServerPluginCacheControlDisabled(),
      config.introspection
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      loggingPlugin(),
      textInputPlugin(),
    ],
  });
  await apollo.start();
  const pubsub = givenPubSub ?? createPubSub(config, log);
  const payments = givenPayments ?? (await startPayments(config.payments, log));
  // Subscribers hear of a change only after its transaction committed; a lost message is logged, the change stands.
  const announceStatus = (orderId: number, status: Parameters<typeof publishOrderStatus>[1]['status']) => {
    publishOrderStatus(pubsub, { orderId, status, at: new Date().toISOString() }).catch((error: unknown) =>
      log.error({ err: error, orderId }, 'publishing an order status change failed'),
    );
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

  app.use(requestId());
  app.use(healthRoutes(database.prisma, log));
  app.use(
    paymentWebhookRoutes({
      db: database.prisma,
      log,
      secrets: () => payments.webhookSecrets,
      onOrderStatusChanged: ({ orderId, status }) => announceStatus(orderId, status),
    }),
  );

  const graphqlHandler = expressMiddleware(apollo, {
    context: ({ req, res }) =>
      createContext({
        db: database.prisma,
        config,
        authorization: req.get('authorization'),
        requestId: res.locals.requestId as string,
        log,
        stats: res.locals.stats as WorkStats,
        pubsub,
        payments: payments.provider,
      }),
  });
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, maxAge: 600 }),
    express.json({ limit: config.maxBodyBytes }),
    (req, res, next) => {
      // Every statement this request causes, loader batches included, is counted here.
      const stats: WorkStats = { statements: 0 };
      res.locals.stats = stats;
      database.statements.run(stats, () => graphqlHandler(req, res, next));
    },
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
    payments: payments.provider,
    path: '/graphql',
  });

  return {
    httpServer,
    payments,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const address = httpServer.address() as AddressInfo;
      const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      // The in-process sandbox delivers its webhooks here, over loopback.
      payments.attachGateway(`http://127.0.0.1:${address.port}`);
      return `http://${shownHost}:${address.port}/graphql`;
    },
    async stop() {
      // Sockets first, so subscribers get a clean 1001 (going away: reconnect elsewhere) before
      // Apollo's drain of the HTTP server would cut their connections off without a close frame (1006).
      await subscriptions.dispose().catch((error: unknown) => log.error({ err: error }, 'closing subscription sockets failed'));
      await apollo.stop();
      await expiry?.stop();
      if (!givenPayments) await payments.stop();
      if (!givenPubSub) await pubsub.close();
    },
  };
}
