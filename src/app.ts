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
import { createSchema } from './graphql/schema';
import { httpErrorHandler } from './http/errors';
import { healthRoutes } from './http/health';
import { requestId } from './http/request-id';
import type { Logger } from './logger';

export interface GatewayOptions {
  config: Config;
  database: Database;
  log: Logger;
  /** Serve without graphql-shield: only for the benchmark's comparison. */
  permissions?: boolean;
}

export interface Gateway {
  httpServer: http.Server;
  /** Listens on `port` (0 for any free port) and returns the GraphQL endpoint's URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops accepting requests, lets in-flight ones finish, then closes. */
  stop(): Promise<void>;
}

/** Builds the HTTP application (GraphQL, health checks); does not listen. */
export async function createGateway({ config, database, log, permissions = true }: GatewayOptions): Promise<Gateway> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  const apollo = new ApolloServer<Context>({
    schema: createSchema({ permissions }),
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
    ],
  });
  await apollo.start();

  app.use(requestId());
  app.use(healthRoutes(database.prisma, log));

  const graphqlHandler = expressMiddleware(apollo, {
    context: ({ req, res }) =>
      createContext({
        db: database.prisma,
        config,
        authorization: req.get('authorization'),
        requestId: res.locals.requestId as string,
        log,
        stats: res.locals.stats as WorkStats,
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

  return {
    httpServer,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const address = httpServer.address() as AddressInfo;
      const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
      return `http://${shownHost}:${address.port}/graphql`;
    },
    async stop() {
      await apollo.stop();
    },
  };
}
