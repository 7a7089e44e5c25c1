import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ConfigError, loadConfig } from '../../src/config';
import { StatementCounter } from '../../src/db/prisma';
import { createLogger } from '../../src/logger';
import { createObservability } from '../../src/observability/setup';
import { createTracing } from '../../src/observability/tracing';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { post, startObservedGateway, type ObservedGateway } from './observed-gateway';

// OpenTelemetry traces as a collector receives them: one span per GraphQL
// operation, one per DataLoader batch and one per SQL statement, each SQL
// span inside its operation's trace; nothing at all when tracing is off.

const CATEGORY_PAGES = /* GraphQL */ `
  query CategoryPages {
    categories { products(first: 2) { nodes { category { name } reviews(first: 3) { nodes { author { name } } } } } }
  }
`;

const CATALOG_PAGE = /* GraphQL */ `
  query CatalogPage {
    products(first: 5) {
      nodes { name category { name } reviews(first: 3) { nodes { rating author { name } } } }
    }
  }
`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('tracing on, with an in-memory exporter', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ exporters: [exporter], immediate: true });
  let observed: ObservedGateway;

  beforeAll(async () => {
    observed = await startObservedGateway({ seed: seedCatalogFixture, tracing });
  });
  afterAll(async () => {
    await observed?.close();
    await tracing.shutdown();
  });
  beforeEach(() => exporter.reset());

  /** Sends the catalog page and returns the spans of its trace once its operation span ended. */
  async function tracedCatalogPage(headers: Record<string, string> = {}) {
    const response = await post(observed.url, CATALOG_PAGE, {}, headers);
    expect(response.body.errors).toBeUndefined();
    const operation = await eventually(() => exporter.getFinishedSpans().find((span) => span.name === 'graphql.operation CatalogPage'), 'the operation span');
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === operation.spanContext().traceId);
    return { operation, spans };
  }

  it('has an operation span whose SQL spans are its descendants', async () => {
    // given a traced gateway, when a catalog page is read
    const { operation, spans } = await tracedCatalogPage();

    // then the operation span describes the operation
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'CatalogPage',
      'storefront.outcome': 'success',
      'storefront.sql_statements': 1,
    });
    expect(parentOf(operation)).toBeUndefined();

    // and its one SQL statement (the products with their categories, reviews and authors read ahead) is a span
    // of the same trace, right below the operation span: no DataLoader batch was needed
    const sql = spans.filter((span) => span.name.startsWith('db.query'));
    expect(sql.map((span) => span.name)).toEqual(['db.query WITH']);
    for (const statement of sql) {
      expect(statement.attributes['db.query.text']).toEqual(expect.stringMatching(/^\s*(SELECT|WITH)/));
      expect(parentOf(statement)).toBe(idOf(operation));
    }
    expect(spans.filter((span) => span.name.startsWith('dataloader.batch '))).toEqual([]);
  });

  it('gives each DataLoader batch a span, with its statement as direct child', async () => {
    // given a traced gateway, when the categories' product pages are read (not read ahead: loaded batch by batch)
    const response = await post(observed.url, CATEGORY_PAGES);
    expect(response.body.errors).toBeUndefined();
    const operation = await eventually(() => exporter.getFinishedSpans().find((span) => span.name === 'graphql.operation CategoryPages'), 'the operation span');
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === operation.spanContext().traceId);

    // then the four batches (products per category, their categories, reviews, authors) hang from the operation
    // span, each with its one statement, and the categories' own statement hangs from the operation directly
    const sql = spans.filter((span) => span.name.startsWith('db.query'));
    const batches = spans.filter((span) => span.name.startsWith('dataloader.batch '));
    expect(batches.map((span) => span.name).sort()).toEqual([
      'dataloader.batch categoryById',
      'dataloader.batch productPageByCategory',
      'dataloader.batch reviewPageByProduct',
      'dataloader.batch userById',
    ]);
    for (const batch of batches) {
      expect(parentOf(batch)).toBe(idOf(operation));
      expect(sql.filter((statement) => parentOf(statement) === idOf(batch))).toHaveLength(1);
    }
    expect(batches.find((span) => span.name === 'dataloader.batch reviewPageByProduct')!.attributes['dataloader.batch_size']).toBe(6);
    expect(sql.filter((statement) => parentOf(statement) === idOf(operation))).toHaveLength(1);
  });

  it("continues the caller's trace from a traceparent header", async () => {
    // given a caller's trace context, when it sends the catalog page
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const { operation } = await tracedCatalogPage({ traceparent: `00-${traceId}-${callerSpan}-01` });
    // then the operation span is the caller span's child, in the caller's trace
    expect(operation.spanContext().traceId).toBe(traceId);
    expect(parentOf(operation)).toBe(callerSpan);
  });

  it('marks a refused operation as a client error, without SQL', async () => {
    await post(observed.url, 'query Refused { noSuchField }');
    const operation = await eventually(() => exporter.getFinishedSpans().find((span) => span.name.startsWith('graphql.operation')), 'the operation span');
    expect(operation.attributes).toMatchObject({ 'storefront.outcome': 'client_error', 'storefront.error_codes': ['GRAPHQL_VALIDATION_FAILED'] });
    expect(exporter.getFinishedSpans().filter((span) => span.name.startsWith('db.query'))).toHaveLength(0);
  });
});

describe('tracing configured by OTEL_* variables', () => {
  it('is off unless an exporter or an OTLP endpoint is named', () => {
    expect(loadConfig({}).tracing).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({ exporters: ['otlp'], protocol: 'http/protobuf' });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console,otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toEqual({ exporters: ['console', 'otlp'], protocol: 'http/json' });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toBeNull();
    expect(loadConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).tracing).toBeNull();
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });

  it('exports to the OTLP/HTTP endpoint they name', async () => {
    // given a collector that keeps what it receives, and a gateway told about it only through OTEL_* variables
    const received: unknown[] = [];
    const collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.url === '/v1/traces') received.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'storefront-under-test',
    };
    // The exporter reads its endpoint from the process environment, as in production.
    Object.assign(process.env, env);
    let observed: ObservedGateway | undefined;
    try {
      observed = await startObservedGateway({ seed: seedCatalogFixture, env });
      // when a catalog page is read and the gateway stops (exporting what is left)
      await post(observed.url, CATALOG_PAGE);
      await observed.close();
      observed = undefined;

      // then the collector got the operation span and its SQL spans, under the configured service name
      const text = JSON.stringify(received);
      expect(text).toContain('graphql.operation CatalogPage');
      expect(text.match(/"name":"db\.query (SELECT|WITH)"/g)).toHaveLength(1);
      expect(text).toContain('storefront-under-test');
    } finally {
      await observed?.close();
      for (const name of Object.keys(env)) delete process.env[name];
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});

describe('tracing off (the default)', () => {
  it('installs only the metrics plugin and no statement listener', async () => {
    // given the configuration of a process without OTEL_* variables
    const statements = new StatementCounter();
    const listen = jest.spyOn(statements, 'listen');
    const observability = await createObservability({ config: loadConfig({ NODE_ENV: 'test' }), statements, log: createLogger({ logLevel: 'silent', logFormat: 'json' }) });
    try {
      // then nothing of tracing is set up: no tracer, one plugin (the metrics'), no SQL span maker
      expect(observability.tracing).toBeNull();
      expect(observability.plugins).toHaveLength(1);
      expect(listen).not.toHaveBeenCalled();
    } finally {
      await observability.close();
    }
  });

  it('creates no span for a request', async () => {
    // given a tracer provider that would catch a span made through the global API, and a gateway with no OTEL_* variables
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const observed = await startObservedGateway({ seed: seedCatalogFixture });
    try {
      // when a catalog page is read
      const response = await post(observed.url, CATALOG_PAGE);
      expect(response.body.errors).toBeUndefined();
      // then no span was made
      expect(exporter.getFinishedSpans()).toHaveLength(0);
    } finally {
      await observed.close();
      trace.disable();
    }
  });
});
