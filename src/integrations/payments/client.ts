import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
} from 'cockatiel';
import type { Logger } from 'pino';

/**
 * The client of the payment provider's HTTP API.
 *
 * Resilience, outermost first: circuit breaker → retries → per-attempt timeout. The breaker sits
 * outside the retries so that one call counts as one failure, and only once its retries are spent;
 * otherwise a single slow call would trip the breaker on its own. Only transient failures (network
 * errors, timeouts, 429 and 5xx) are retried or counted by the breaker: a 4xx is the provider's answer,
 * and asking again would get the same one. Every write carries the caller's idempotency key, which is
 * what makes retrying a write safe: the provider replays the first response instead of charging twice.
 */

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'processing'
  | 'succeeded'
  | 'payment_failed'
  | 'canceled'
  | 'refunded';

export const INTENT_STATUSES: readonly IntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'processing',
  'succeeded',
  'payment_failed',
  'canceled',
  'refunded',
];

export interface PaymentIntent {
  id: string;
  amount: number;
  currency: string;
  status: IntentStatus;
  clientSecret: string;
  metadata: Record<string, string>;
  lastPaymentError?: string | null;
}

/** Why a call failed, for logs and metrics; `kind` is what callers branch on. */
export type PaymentProviderFailure = 'network' | 'timeout' | 'status' | 'circuit_open' | 'invalid_response' | 'invalid_request';

/**
 * `unavailable`: the provider could not be reached or did not answer usefully (network error, timeout,
 * 429, 5xx after retries, an open circuit). Whether a write took effect is unknown, so repeat it with the
 * same idempotency key. `rejected`: the provider understood the request and refused it (a 4xx).
 * A declined card is neither: confirm returns the intent with status `payment_failed`.
 */
export class PaymentProviderError extends Error {
  readonly kind: 'unavailable' | 'rejected';
  readonly status?: number;
  readonly providerCode?: string;
  readonly reason: PaymentProviderFailure;

  constructor(
    kind: 'unavailable' | 'rejected',
    message: string,
    details: { status?: number; providerCode?: string; reason?: PaymentProviderFailure; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PaymentProviderError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.providerCode !== undefined) this.providerCode = details.providerCode;
    this.reason = details.reason ?? (kind === 'rejected' ? 'status' : 'network');
  }
}

export interface PaymentProvider {
  createIntent(input: { amount: number; currency: string; metadata: Record<string, string> }, idempotencyKey: string): Promise<PaymentIntent>;
  confirmIntent(intentId: string, input: { paymentMethod: string }, idempotencyKey: string): Promise<PaymentIntent>;
  retrieveIntent(intentId: string): Promise<PaymentIntent>;
  refundIntent(intentId: string, input: { reason?: string | null }, idempotencyKey: string): Promise<PaymentIntent>;
  /** 'closed' | 'open' | 'half-open', for logs and metrics. */
  circuitState(): 'closed' | 'open' | 'half-open';
}

export interface PaymentProviderOptions {
  baseUrl: string;
  apiKey: string;
  log: Logger;
  /** Per attempt, in ms. Default 5000. */
  timeoutMs?: number;
  /** Attempts per call, the first included. Default 3. */
  maxAttempts?: number;
  breaker?: {
    /** Consecutive failed calls (each after its retries) that open the circuit. Default 5. */
    failures?: number;
    /** How long the circuit stays open before one trial call is let through. Default 10000. */
    halfOpenAfterMs?: number;
  };
  /** Exponential backoff with decorrelated jitter between attempts. Defaults 100 ms initial, 2000 ms max. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  fetch?: typeof fetch;
}

/** The provider's wire format (snake_case, like the webhook objects). */
interface WireIntent {
  id: string;
  amount: number;
  currency: string;
  status: IntentStatus;
  client_secret: string;
  metadata: Record<string, string>;
  last_payment_error?: { code?: string; message?: string } | null;
}

const INTENT_ID = /^[A-Za-z0-9_]{1,255}$/;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Marks failures worth another attempt and worth counting against the provider's health. */
class TransientFailure extends PaymentProviderError {}

function isTransient(error: unknown): boolean {
  return error instanceof TransientFailure;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toIntent(body: unknown): PaymentIntent | null {
  if (!isRecord(body)) return null;
  const { id, amount, currency, status, client_secret: clientSecret, metadata, last_payment_error: lastError } = body as Partial<WireIntent>;
  if (typeof id !== 'string' || typeof amount !== 'number' || !Number.isSafeInteger(amount)) return null;
  if (typeof currency !== 'string' || typeof clientSecret !== 'string') return null;
  if (typeof status !== 'string' || !INTENT_STATUSES.includes(status)) return null;
  const meta: Record<string, string> = {};
  if (metadata !== undefined && metadata !== null) {
    if (!isRecord(metadata)) return null;
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') return null;
      meta[key] = value;
    }
  }
  return {
    id,
    amount,
    currency,
    status,
    clientSecret,
    metadata: meta,
    lastPaymentError: isRecord(lastError) && typeof lastError.message === 'string' ? lastError.message : null,
  };
}

function providerError(body: unknown): { code?: string; message?: string } {
  if (!isRecord(body) || !isRecord(body.error)) return {};
  const { code, message } = body.error;
  return {
    ...(typeof code === 'string' ? { code: code.slice(0, 100) } : {}),
    ...(typeof message === 'string' ? { message: message.slice(0, 500) } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const CIRCUIT_NAMES: Record<CircuitState, 'closed' | 'open' | 'half-open'> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  // Held open by hand: to callers it is open.
  [CircuitState.Isolated]: 'open',
};

export function createPaymentProvider(options: PaymentProviderOptions): PaymentProvider {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const log = options.log.child({ component: 'payment-provider' });
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));

  const timeoutPolicy = timeout(timeoutMs, TimeoutStrategy.Cooperative);
  // cockatiel's maxAttempts counts the retries after the first attempt.
  const retryPolicy = retry(handleWhen(isTransient), {
    maxAttempts: maxAttempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: options.backoff?.initialDelayMs ?? 100, maxDelay: options.backoff?.maxDelayMs ?? 2000 }),
  });
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: options.breaker?.halfOpenAfterMs ?? 10_000,
    breaker: new ConsecutiveBreaker(options.breaker?.failures ?? 5),
  });

  // The trial call of a half-open circuit makes a single attempt: the point is to learn whether the
  // provider is back, not to hammer it again; if it fails, the circuit simply reopens.
  let trialPending = false;
  breaker.onHalfOpen(() => {
    trialPending = true;
  });
  breaker.onStateChange((state) => {
    log.warn({ circuit: CIRCUIT_NAMES[state] }, `payment provider circuit ${CIRCUIT_NAMES[state]}`);
  });

  async function call(method: 'GET' | 'POST', path: string, body: unknown, idempotencyKey: string | undefined): Promise<PaymentIntent> {
    const started = performance.now();
    let attempts = 0;
    let status: number | null = null;

    const attempt = async (signal: AbortSignal): Promise<PaymentIntent> => {
      attempts += 1;
      status = null;
      const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      let text: string;
      let response: Response;
      try {
        // The body is read inside the timeout too: a provider that sends headers and then stalls is as
        // unavailable as one that never answers. Redirects are not followed: the API never sends one, and
        // following a redirect would replay the Authorization header somewhere else.
        response = await fetchImpl(`${baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
          redirect: 'manual',
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        if (signal.aborted) {
          throw new TransientFailure('unavailable', `Payment provider timed out after ${timeoutMs} ms`, { reason: 'timeout', cause: error });
        }
        throw new TransientFailure('unavailable', 'Payment provider unreachable', { reason: 'network', cause: error });
      }

      const parsed = parseJson(text);
      if (response.status >= 200 && response.status < 300) {
        const intent = toIntent(parsed);
        if (intent) return intent;
        // Retrying would most likely get the same answer; the write may have happened, so the caller
        // should treat it like any other unavailability (and repeat with the same key later).
        throw new PaymentProviderError('unavailable', 'Payment provider sent an unreadable response', {
          status: response.status,
          reason: 'invalid_response',
        });
      }
      const { code, message } = providerError(parsed);
      if (response.status === 429 || response.status >= 500) {
        throw new TransientFailure('unavailable', `Payment provider answered ${response.status}`, {
          status: response.status,
          reason: 'status',
          ...(code ? { providerCode: code } : {}),
        });
      }
      if (response.status >= 400) {
        throw new PaymentProviderError('rejected', message ?? `Payment provider refused the request (${response.status})`, {
          status: response.status,
          reason: 'status',
          ...(code ? { providerCode: code } : {}),
        });
      }
      throw new PaymentProviderError('unavailable', `Payment provider answered an unexpected ${response.status}`, {
        status: response.status,
        reason: 'invalid_response',
      });
    };

    let outcome: 'ok' | 'rejected' | 'unavailable' | 'circuit_open' = 'ok';
    try {
      return await breaker.execute(() => {
        const trial = trialPending;
        trialPending = false;
        const once = () => timeoutPolicy.execute(({ signal }) => attempt(signal));
        return trial ? once() : retryPolicy.execute(once);
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        outcome = 'circuit_open';
        throw new PaymentProviderError('unavailable', 'Payment provider unavailable (circuit open)', { reason: 'circuit_open' });
      }
      if (error instanceof PaymentProviderError) {
        outcome = error.kind;
        // Callers see plain PaymentProviderErrors; the transient marker is an internal detail.
        if (error instanceof TransientFailure) {
          throw new PaymentProviderError(error.kind, error.message, {
            reason: error.reason,
            cause: error.cause,
            ...(error.status !== undefined ? { status: error.status } : {}),
            ...(error.providerCode !== undefined ? { providerCode: error.providerCode } : {}),
          });
        }
        throw error;
      }
      outcome = 'unavailable';
      throw new PaymentProviderError('unavailable', 'Payment provider call failed', { cause: error });
    } finally {
      // One line per call. Never the API key, the client secret or the request body.
      const line = {
        method,
        path,
        status,
        attempts,
        durationMs: Math.round(performance.now() - started),
        outcome,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      };
      if (outcome === 'ok') log.info(line, 'payment provider call');
      else log.warn(line, 'payment provider call failed');
    }
  }

  function checkKey(idempotencyKey: string): void {
    if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE_ASCII.test(idempotencyKey)) {
      // Refused here, as the provider would refuse it, rather than sent.
      throw new PaymentProviderError('rejected', 'An idempotency key is 1 to 255 printable ASCII characters', {
        providerCode: 'invalid_idempotency_key',
        reason: 'invalid_request',
      });
    }
  }

  function intentPath(intentId: string, suffix = ''): string {
    // Ids go into the URL path: anything beyond the provider's id alphabet (a `..`, a `/`) is refused
    // here rather than sent.
    if (!INTENT_ID.test(intentId)) {
      throw new PaymentProviderError('rejected', 'Not a payment intent id', { providerCode: 'invalid_intent_id', reason: 'invalid_request' });
    }
    return `/v1/payment_intents/${intentId}${suffix}`;
  }

  return {
    async createIntent(input, idempotencyKey) {
      checkKey(idempotencyKey);
      return call('POST', '/v1/payment_intents', { amount: input.amount, currency: input.currency, metadata: input.metadata }, idempotencyKey);
    },
    async confirmIntent(intentId, input, idempotencyKey) {
      checkKey(idempotencyKey);
      return call('POST', intentPath(intentId, '/confirm'), { payment_method: input.paymentMethod }, idempotencyKey);
    },
    async retrieveIntent(intentId) {
      return call('GET', intentPath(intentId), undefined, undefined);
    },
    async refundIntent(intentId, input, idempotencyKey) {
      checkKey(idempotencyKey);
      return call('POST', intentPath(intentId, '/refund'), input.reason ? { reason: input.reason } : {}, idempotencyKey);
    },
    circuitState() {
      return CIRCUIT_NAMES[breaker.state];
    },
  };
}
