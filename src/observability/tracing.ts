import type http from 'node:http';
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../config';
import type { BatchObserver } from '../db/batch';
import type { StatementCounter } from '../db/prisma';

/** A tracer provider of one gateway, with its exporters. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Exports every span that ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  exporters: SpanExporter[];
  /** Export each span as it ends (tests), instead of in batches (OTEL_BSP_* tune those). */
  immediate?: boolean;
}

/** The service name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. */
export const DEFAULT_SERVICE_NAME = 'storefront-gateway';

let contextManagerInstalled = false;

/**
 * Spans find their parent through the async context. One context manager
 * serves every tracer of the process; if another library installed one
 * already, that one is used.
 */
function installContextManager(): void {
  if (contextManagerInstalled) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerInstalled = true;
}

/**
 * A tracer provider of its own (not the global one, so each gateway of a
 * process, and each test, keeps its spans apart), with the sampler of
 * OTEL_TRACES_SAMPLER and the resource of OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES.
 */
export function createTracing({ exporters, immediate = false }: TracingOptions): Tracing {
  installContextManager();
  const resource = resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: exporters.map((exporter) => (immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter))),
  });
  return {
    tracer: provider.getTracer(DEFAULT_SERVICE_NAME),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing as the OTEL_* variables configure it; the OTLP exporters are loaded only then, and read their own variables (endpoint, headers, timeout). */
export async function tracingFromConfig(config: TracingConfig): Promise<Tracing> {
  const exporters = await Promise.all(
    config.exporters.map(async (name): Promise<SpanExporter> => {
      if (name === 'console') return new ConsoleSpanExporter();
      if (config.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
    }),
  );
  return createTracing({ exporters });
}

const propagator = new W3CTraceContextPropagator();

/**
 * Runs one GraphQL request inside its operation span, so that every span the
 * request causes (batches, SQL) has it as ancestor. The span continues a
 * trace the caller started (`traceparent`), and ends when the response does;
 * the tracing plugin names it once the operation is known.
 */
export function traceOperation(tracer: Tracer, req: http.IncomingMessage, res: http.ServerResponse, run: () => void): void {
  const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const span = tracer.startSpan('graphql.operation', { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '' } }, parent);
  res.once('close', () => span.end());
  context.with(trace.setSpan(parent, span), run);
}

/** One span per DataLoader batch, the batch's SQL statements its children; `count` records its size. */
export function tracedBatches(tracer: Tracer, count: (loader: string, size: number) => void): BatchObserver {
  return (loader, size, load) => {
    count(loader, size);
    return tracer.startActiveSpan(`dataloader.batch ${loader}`, { attributes: { 'dataloader.name': loader, 'dataloader.batch_size': size } }, async (span) => {
      try {
        return await load();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}

const SQL_VERB = /^\s*(\w+)/;

/**
 * One span per SQL statement, made once Prisma reports it (its query event
 * carries the start time, the duration and the SQL with placeholders; never
 * the values), as a child of the span that was active when it was sent: a
 * batch's, or the operation's. Statements outside a traced operation (jobs,
 * readiness checks) make no span. Returns how to stop.
 */
export function traceStatements(statements: StatementCounter, tracer: Tracer): () => void {
  return statements.listen((statement) => {
    const parent = context.active();
    if (!trace.getSpan(parent)) return;
    const start = statement.timestamp.getTime();
    const span = tracer.startSpan(
      `db.query ${SQL_VERB.exec(statement.query)?.[1]?.toUpperCase() ?? 'SQL'}`,
      { kind: SpanKind.CLIENT, startTime: start, attributes: { 'db.system.name': 'postgresql', 'db.query.text': statement.query } },
      parent,
    );
    span.end(start + statement.duration);
  });
}
