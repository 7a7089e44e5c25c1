import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { Router } from 'express';
import type { Config } from '../config';
import type { Context } from '../context';
import type { BatchObserver } from '../db/batch';
import type { StatementCounter } from '../db/prisma';
import { readManifest } from '../graphql/persisted/manifest';
import type { PaymentProvider } from '../integrations/payments/client';
import type { Logger } from '../logger';
import { createMetricsServer, metricsExposure, metricsHandler } from './metrics-endpoint';
import { createMetrics, type Metrics } from './metrics';
import { metricsPlugin } from './metrics-plugin';
import { countedPaymentProvider } from './payment-calls';
import type { Tracing } from './tracing';

export interface ObservabilityOptions {
  config: Config;
  /** The database's statement counter: SQL spans are made from what it hears. */
  statements: StatementCounter;
  log: Logger;
  /** Tracing to use instead of the configured one (tests: an in-memory exporter); not shut down by `close()`. */
  tracing?: Tracing;
}

/** Metrics and tracing of one gateway, and the places they plug in. */
export interface Observability {
  metrics: Metrics;
  /** Null when tracing is off: then no tracing code runs at all. */
  tracing: Tracing | null;
  /** The Apollo plugins: metrics always, tracing when on. */
  plugins: Array<ApolloServerPlugin<Context>>;
  /** GET /metrics on the main port, when it is served there. */
  routes: Router;
  /** Watches every DataLoader batch of a GraphQL request (`WorkStats.batches`). */
  batches: BatchObserver;
  /** Runs a GraphQL request's handler: inside its operation span when tracing is on, as is otherwise. */
  runRequest(req: http.IncomingMessage, res: http.ServerResponse, handle: () => void): void;
  /** The payment provider, its calls counted. */
  countPayments(provider: PaymentProvider): PaymentProvider;
  /** Starts the METRICS_PORT server when configured; its URL, or null. */
  listen(host?: string): Promise<string | null>;
  close(): Promise<void>;
}

/** The operation names of the clients' trusted-documents manifest: they always get a metrics label of their own. */
function clientOperationNames(config: Config, log: Logger): string[] {
  try {
    return readManifest(config.persistedOperations.manifestFile).operations.map((operation) => operation.name);
  } catch (error) {
    log.debug({ err: error }, 'metrics: no client operations manifest; every operation name is ad hoc');
    return [];
  }
}

type RequestHooks = Pick<Observability, 'plugins' | 'batches' | 'runRequest'> & { stopTracingStatements: () => void };

/** How requests, batches and statements are watched: counted always, traced only when tracing is on. */
async function requestHooks(metrics: Metrics, statements: StatementCounter, tracing: Tracing | null): Promise<RequestHooks> {
  const countBatch = (loader: string, size: number) => metrics.batchLoaded(loader, size);
  if (!tracing) {
    return {
      plugins: [metricsPlugin(metrics)],
      batches: (loader, size, load) => {
        countBatch(loader, size);
        return load();
      },
      runRequest: (_req, _res, handle) => handle(),
      stopTracingStatements: () => {},
    };
  }
  // The OpenTelemetry SDK is loaded only now.
  const { traceOperation, tracedBatches, traceStatements } = await import('./tracing');
  const { tracingPlugin } = await import('./tracing-plugin');
  return {
    plugins: [metricsPlugin(metrics), tracingPlugin(metrics.operationLabel)],
    batches: tracedBatches(tracing.tracer, countBatch),
    runRequest: (req, res, handle) => traceOperation(tracing.tracer, req, res, handle),
    stopTracingStatements: traceStatements(statements, tracing.tracer),
  };
}

export async function createObservability({ config, statements, log, tracing: givenTracing }: ObservabilityOptions): Promise<Observability> {
  const metrics = createMetrics({ knownOperations: clientOperationNames(config, log) });
  const exposure = metricsExposure(config.metrics, config.isProduction);
  if (exposure === 'none') log.warn('metrics: /metrics is not served; in production set METRICS_PORT (a port of its own) or METRICS_TOKEN (a bearer token)');

  const routes = Router();
  if (exposure === 'main-port') {
    const handle = metricsHandler(metrics, config.metrics.token);
    routes.get('/metrics', (req, res) => handle(req, res));
  }
  const metricsServer = exposure === 'own-port' ? createMetricsServer(metrics, config.metrics.token) : null;

  const tracing = givenTracing ?? (config.tracing ? await (await import('./tracing')).tracingFromConfig(config.tracing) : null);
  if (config.tracing && !givenTracing) log.info({ exporters: config.tracing.exporters, protocol: config.tracing.protocol }, 'tracing on');
  const hooks = await requestHooks(metrics, statements, tracing);

  return {
    metrics,
    tracing,
    plugins: hooks.plugins,
    routes,
    batches: hooks.batches,
    runRequest: hooks.runRequest,
    countPayments: (provider) => countedPaymentProvider(provider, metrics),
    async listen(host) {
      if (!metricsServer || config.metrics.port === undefined) return null;
      const url = await metricsServer.listen(config.metrics.port, host);
      log.info({ url }, 'metrics served on their own port');
      return url;
    },
    async close() {
      hooks.stopTracingStatements();
      await metricsServer?.close();
      if (tracing && !givenTracing) await tracing.shutdown().catch((error: unknown) => log.warn({ err: error }, 'exporting the last spans failed'));
    },
  };
}
