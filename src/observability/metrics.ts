import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedLabels, operationLabels } from './bounded-labels';
import type { RequestOutcome } from './outcome';

/** The payment provider client's circuit breaker, as `payment_provider_circuit_state` reports it: 0 closed, 1 half-open, 2 open. */
export type CircuitState = 'closed' | 'half-open' | 'open';
const CIRCUIT_VALUES: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Outcomes of a payment provider call: answered, refused by the provider (4xx), unreachable or failing, or not sent (circuit open). */
export const PROVIDER_CALL_OUTCOMES = ['ok', 'rejected', 'unavailable', 'circuit_open'] as const;
export type ProviderCallOutcome = (typeof PROVIDER_CALL_OUTCOMES)[number];

/** What became of one delivery to POST /webhooks/payments (see src/http/webhooks/payments.ts). */
export const WEBHOOK_OUTCOMES = [
  'applied',
  'ignored_state',
  'unknown_payment',
  'mismatch',
  'unsupported_type',
  'duplicate',
  'bad_signature',
  'bad_body',
  'error',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** A GraphQL request as the metrics record it. */
export interface CompletedRequest {
  operation: string | null | undefined;
  outcome: RequestOutcome;
  seconds: number;
  /** Null when the request's statements are not counted (SQL_STATEMENTS_PER_REQUEST). */
  statements: number | null;
  errorCodes: readonly string[];
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (never
 * prom-client's global one, so two gateways in one process do not collide).
 * Every label is bounded: operation names as `operationLabel` says, codes,
 * loader names and kinds by the code that sets them, each capped besides.
 */
export interface Metrics {
  readonly registry: Registry;
  /** The bounded `operation` label for an operation name (see src/observability/bounded-labels.ts). */
  operationLabel(name: string | null | undefined): string;
  requestCompleted(request: CompletedRequest): void;
  /** An error answered outside a GraphQL execution (the context could not be built, the request was malformed). */
  errorAnswered(code: string): void;
  batchLoaded(loader: string, size: number): void;
  /** A request refused by a rate limit; `kind` names the limit (`cost_budget`, `sign_in`, `subscriptions_per_connection`). */
  rateLimitRefused(kind: string): void;
  webhookEvent(outcome: WebhookOutcome): void;
  /** One call to the payment provider, after its retries (`by` 0 starts a series at zero). */
  providerCall(operation: string, outcome: ProviderCallOutcome, by?: number): void;
  /** Adds a source of open subscriptions, read at every scrape. */
  countSubscriptions(source: () => number): void;
  /** The source of the provider circuit's state, read at every scrape. */
  watchCircuit(source: () => CircuitState): void;
}

export interface MetricsOptions {
  /** Operation names that always get a label of their own (the clients' operations). */
  knownOperations?: Iterable<string>;
  /** Other operation names that get one, first come (default 50). */
  maxAdHocOperations?: number;
}

/** Codes, loader names and kinds are chosen by code, not clients; the caps only guard against a mistake. */
const MAX_CODE_LABELS = 100;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const operationLabel = operationLabels(options.knownOperations ?? [], options.maxAdHocOperations);
  const codes = new BoundedLabels([], MAX_CODE_LABELS);
  const loaders = new BoundedLabels([], MAX_CODE_LABELS);
  const limits = new BoundedLabels([], MAX_CODE_LABELS);
  const providerOperations = new BoundedLabels([], MAX_CODE_LABELS);

  const requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL requests over HTTP, from the start of their execution pipeline to the response, by operation name (bounded) and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors answered to GraphQL requests, by extensions.code (counted once per code per response)',
    labelNames: ['code'] as const,
    registers,
  });
  const statements = new Histogram({
    name: 'graphql_sql_statements',
    help: 'SQL statements one GraphQL request sent, by operation name (bounded)',
    labelNames: ['operation'] as const,
    buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128],
    registers,
  });
  const batchSize = new Histogram({
    name: 'dataloader_batch_size',
    help: 'Keys per DataLoader batch (one batch is one SQL statement, or one per page position), by loader',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers,
  });
  const rateLimitRefusals = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused by a rate limit, by the limit that refused them',
    labelNames: ['kind'] as const,
    registers,
  });
  const webhookEvents = new Counter({
    name: 'payment_webhook_events_total',
    help: 'Deliveries to POST /webhooks/payments, by outcome (applied, duplicate, bad_signature, …)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const providerCalls = new Counter({
    name: 'payment_provider_calls_total',
    help: 'Calls to the payment provider (each after its retries), by operation and outcome (ok, rejected, unavailable, circuit_open)',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });

  const subscriptionSources: Array<() => number> = [];
  new Gauge({
    name: 'graphql_subscriptions_open',
    help: 'GraphQL subscriptions running over WebSocket on this instance',
    registers,
    collect() {
      this.set(subscriptionSources.reduce((sum, source) => sum + source(), 0));
    },
  });
  let circuit: (() => CircuitState) | null = null;
  new Gauge({
    name: 'payment_provider_circuit_state',
    help: "The payment provider client's circuit breaker: 0 closed (calls go through), 1 half-open (one trial call), 2 open (calls refused at once)",
    registers,
    collect() {
      this.set(CIRCUIT_VALUES[circuit?.() ?? 'closed']);
    },
  });

  // Known label values start at zero, so rates and alerts work before the first event.
  for (const outcome of WEBHOOK_OUTCOMES) webhookEvents.inc({ outcome }, 0);

  return {
    registry,
    operationLabel,
    requestCompleted(request) {
      const operation = operationLabel(request.operation);
      requestDuration.observe({ operation, outcome: request.outcome }, request.seconds);
      if (request.statements !== null) statements.observe({ operation }, request.statements);
      for (const code of request.errorCodes) errors.inc({ code: codes.label(code) });
    },
    errorAnswered(code) {
      errors.inc({ code: codes.label(code) });
    },
    batchLoaded(loader, size) {
      batchSize.observe({ loader: loaders.label(loader) }, size);
    },
    rateLimitRefused(kind) {
      rateLimitRefusals.inc({ kind: limits.label(kind) });
    },
    webhookEvent(outcome) {
      webhookEvents.inc({ outcome });
    },
    providerCall(operation, outcome, by = 1) {
      providerCalls.inc({ operation: providerOperations.label(operation), outcome }, by);
    },
    countSubscriptions(source) {
      subscriptionSources.push(source);
    },
    watchCircuit(source) {
      circuit = source;
    },
  };
}
