import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { IntentStatus, PaymentIntent } from '../../src/integrations/payments/client';
import { SIGNATURE_HEADER, signatureHeader } from '../../src/integrations/payments/signature';

/**
 * A stand-in for the payment provider: a real HTTP server with the provider's API, its idempotency
 * rules and its signed webhooks, plus switches that make it fail the ways a real provider does
 * (errors, outages, hangs, slow answers, duplicated, reordered or lost webhooks). All state is in memory.
 */

export interface SandboxSwitches {
  /** The next N API requests answer 500 without doing anything. */
  failNext: number;
  /** Every API request answers 503 until turned off. */
  down: boolean;
  /** The next N API requests never answer (until the client gives up), without doing anything. */
  timeoutNext: number;
  /** Every API request waits this long before it is handled (and then is handled, even if the client left). */
  delayMs: number;
  /** Each webhook waits this long before its first delivery attempt. */
  webhookDelayMs: number;
  /** Deliver each event twice (`true`) or N times, one copy after the other. */
  duplicateWebhooks: boolean | number;
  /** Hold events while on; they are delivered newest first when it is turned off or on `flushDeliveries()`. */
  reorderWebhooks: boolean;
  /** Record events but never deliver them (`redeliver` still works). */
  dropWebhooks: boolean;
}

export type WebhookEventType = 'payment_intent.succeeded' | 'payment_intent.payment_failed' | 'charge.refunded';

/** The intent as it appears in webhook events: the API object without its client secret. */
export interface WebhookIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: IntentStatus;
  metadata: Record<string, string>;
  last_payment_error: { code: string; message: string } | null;
}

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  created: number;
  data: { object: WebhookIntentObject };
}

export interface SandboxDelivery {
  eventId: string;
  type: string;
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null;
  attempt: number;
}

export interface SandboxRequest {
  method: string;
  path: string;
  /** null while pending or left hanging on purpose (504 if it hung for the whole hangMs). */
  status: number | null;
  idempotencyKey: string | null;
  replayed: boolean;
}

export interface SandboxProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: a sandbox has no business listening on every interface. */
  host?: string;
  apiKey: string;
  webhookUrl?: string;
  /** Several secrets sign every webhook with each (a rotation in progress). */
  webhookSecret: string | string[];
  /** How long `pm_card_slow` stays processing. Default 5000 ms. */
  slowMs?: number;
  log?: pino.Logger;
  /** Delivery attempts per webhook. Default 4. */
  webhookAttempts?: number;
  /** Delay after the first failed delivery; doubled after each further one. Default 100 ms. */
  webhookRetryDelayMs?: number;
  /** How long a delivery waits for the receiver. Default 5000 ms. */
  webhookTimeoutMs?: number;
  /** How long a `timeoutNext` request hangs at most before answering 504. Default 30000 ms. */
  hangMs?: number;
}

export interface SandboxProvider {
  url: string;
  setWebhookUrl(url: string): void;
  switches: SandboxSwitches;
  intents(): PaymentIntent[];
  deliveries(): SandboxDelivery[];
  /** Resolves when no delivery is pending: held (reordered) events are released, slow payments completed. */
  flushDeliveries(): Promise<void>;
  stop(): Promise<void>;
  /** Every API request received (admin requests excluded), oldest first. */
  requests(): SandboxRequest[];
  /** Every event created, oldest first, delivered or not. */
  events(): WebhookEvent[];
  /** Sends an event again (ignoring the webhook switches); false when there is no such event. */
  redeliver(eventId: string): boolean;
}

export const TEST_PAYMENT_METHODS = ['pm_card_visa', 'pm_card_declined', 'pm_card_slow'] as const;
export const DECLINE_MESSAGE = 'Your card was declined.';

interface StoredIntent {
  id: string;
  amount: number;
  currency: string;
  status: IntentStatus;
  clientSecret: string;
  metadata: Record<string, string>;
  lastPaymentError: { code: string; message: string } | null;
  paymentMethod: string | null;
  created: number;
  refundReason: string | null;
}

interface Reply {
  status: number;
  body: unknown;
  /**
   * Whether the answer is kept for its idempotency key. As with real providers, only requests that got
   * as far as running are kept: a request refused by validation may be sent again, corrected, with the
   * same key.
   */
  keep: boolean;
}

interface StoredReply {
  fingerprint: string;
  status: number;
  body: unknown;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_AMOUNT = 99_999_999;
const MAX_METADATA_KEYS = 50;
const INTENT_PATH = /^\/v1\/payment_intents\/([A-Za-z0-9_]+)(\/confirm|\/refund)?$/;
const REDELIVER_PATH = /^\/_sandbox\/events\/([A-Za-z0-9_]+)\/redeliver$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

function errorBody(error: HttpError): unknown {
  return { error: { type: error.type, code: error.code, message: error.message, ...(error.param ? { param: error.param } : {}) } };
}

function invalid(code: string, message: string, param?: string): HttpError {
  return new HttpError(400, 'invalid_request_error', code, message, param);
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** JSON with sorted keys: two bodies with the same parameters in another order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(body: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalid('parameter_unknown', `Received unknown parameter: ${key.slice(0, 40)}`, key.slice(0, 40));
  }
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid('parameter_invalid', 'metadata must be an object of strings', 'metadata');
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS) throw invalid('parameter_invalid', `metadata has more than ${MAX_METADATA_KEYS} keys`, 'metadata');
  const metadata: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > 40) throw invalid('parameter_invalid', 'metadata keys are 1 to 40 characters', 'metadata');
    if (typeof item !== 'string' || item.length > 500) throw invalid('parameter_invalid', 'metadata values are strings of at most 500 characters', `metadata[${key}]`);
    metadata[key] = item;
  }
  return metadata;
}

function constantTimeEquals(a: string, b: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, without revealing the key's length.
  return timingSafeEqual(digest(a), digest(b));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'invalid_request_error', 'body_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid('body_invalid_json', 'The request body is not valid JSON');
  }
  if (!isRecord(parsed)) throw invalid('body_invalid_json', 'The request body must be a JSON object');
  return parsed;
}

function apiObject(intent: StoredIntent): Record<string, unknown> {
  return {
    id: intent.id,
    object: 'payment_intent',
    amount: intent.amount,
    currency: intent.currency,
    status: intent.status,
    client_secret: intent.clientSecret,
    metadata: { ...intent.metadata },
    last_payment_error: intent.lastPaymentError ? { ...intent.lastPaymentError } : null,
    payment_method: intent.paymentMethod,
    created: intent.created,
  };
}

function eventObject(intent: StoredIntent): WebhookIntentObject {
  return {
    id: intent.id,
    object: 'payment_intent',
    amount: intent.amount,
    currency: intent.currency,
    status: intent.status,
    metadata: { ...intent.metadata },
    last_payment_error: intent.lastPaymentError ? { ...intent.lastPaymentError } : null,
  };
}

function copies(duplicate: boolean | number): number {
  if (duplicate === true) return 2;
  if (typeof duplicate === 'number' && Number.isInteger(duplicate) && duplicate > 1) return Math.min(duplicate, 10);
  return 1;
}

/** Checks a partial switch update (admin endpoint, environment); throws a 400 naming the bad field. */
export function parseSwitches(input: unknown): Partial<SandboxSwitches> {
  if (!isRecord(input)) throw invalid('parameter_invalid', 'Switches are a JSON object');
  const out: Partial<SandboxSwitches> = {};
  const count = (key: 'failNext' | 'timeoutNext' | 'delayMs' | 'webhookDelayMs', max: number) => {
    const value = input[key];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
      throw invalid('parameter_invalid', `${key} must be an integer from 0 to ${max}`, key);
    }
    out[key] = value;
  };
  const flag = (key: 'down' | 'reorderWebhooks' | 'dropWebhooks') => {
    const value = input[key];
    if (value === undefined) return;
    if (typeof value !== 'boolean') throw invalid('parameter_invalid', `${key} must be true or false`, key);
    out[key] = value;
  };
  onlyKeys(input, ['failNext', 'down', 'timeoutNext', 'delayMs', 'webhookDelayMs', 'duplicateWebhooks', 'reorderWebhooks', 'dropWebhooks']);
  count('failNext', 1_000_000);
  count('timeoutNext', 1_000_000);
  count('delayMs', 120_000);
  count('webhookDelayMs', 120_000);
  flag('down');
  flag('reorderWebhooks');
  flag('dropWebhooks');
  const duplicate = input.duplicateWebhooks;
  if (duplicate !== undefined) {
    if (typeof duplicate !== 'boolean' && !(typeof duplicate === 'number' && Number.isInteger(duplicate) && duplicate >= 1 && duplicate <= 10)) {
      throw invalid('parameter_invalid', 'duplicateWebhooks must be true, false or an integer from 1 to 10', 'duplicateWebhooks');
    }
    out.duplicateWebhooks = duplicate;
  }
  return out;
}

export async function startSandboxProvider(options: SandboxProviderOptions): Promise<SandboxProvider> {
  const log = options.log ?? pino({ level: 'silent' });
  const secrets = Array.isArray(options.webhookSecret) ? [...options.webhookSecret] : [options.webhookSecret];
  if (!options.apiKey) throw new TypeError('The sandbox needs an API key');
  if (secrets.length === 0 || secrets.some((s) => !s)) throw new TypeError('The sandbox needs a webhook secret');
  const slowMs = options.slowMs ?? 5000;
  const webhookAttempts = Math.max(1, options.webhookAttempts ?? 4);
  const webhookRetryDelayMs = options.webhookRetryDelayMs ?? 100;
  const webhookTimeoutMs = options.webhookTimeoutMs ?? 5000;
  const hangMs = options.hangMs ?? 30_000;
  let webhookUrl = options.webhookUrl;

  const intents = new Map<string, StoredIntent>();
  const replies = new Map<string, StoredReply>();
  const events: WebhookEvent[] = [];
  const deliveryLog: SandboxDelivery[] = [];
  const requestLog: SandboxRequest[] = [];
  const held: WebhookEvent[] = [];
  const pending = new Set<Promise<void>>();
  const sleepers = new Set<() => void>();
  const hanging = new Set<http.ServerResponse>();
  const stopController = new AbortController();
  let stopped = false;

  // --- timers that stop() can cut short -------------------------------------------------------

  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  /** Background work (deliveries, slow payments) that flushDeliveries() and stop() wait for. */
  function track(work: Promise<void>): void {
    const guarded: Promise<void> = work
      .catch((error: unknown) => {
        log.error({ err: error }, 'sandbox background task failed');
      })
      .finally(() => {
        pending.delete(guarded);
      });
    pending.add(guarded);
  }

  // --- switches ---------------------------------------------------------------------------------

  let reorder = false;
  const switches: SandboxSwitches = {
    failNext: 0,
    down: false,
    timeoutNext: 0,
    delayMs: 0,
    webhookDelayMs: 0,
    duplicateWebhooks: false,
    get reorderWebhooks() {
      return reorder;
    },
    // Turning reordering off releases what it held, so no event is stuck behind a forgotten switch.
    set reorderWebhooks(value: boolean) {
      reorder = value;
      if (!value) releaseHeld();
    },
    dropWebhooks: false,
  };

  // --- webhooks ---------------------------------------------------------------------------------

  async function deliver(event: WebhookEvent): Promise<void> {
    await sleep(switches.webhookDelayMs);
    const url = webhookUrl;
    if (!url) {
      log.warn({ eventId: event.id, type: event.type }, 'no webhook URL: event not delivered');
      return;
    }
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= webhookAttempts && !stopped; attempt += 1) {
      let status: number | null = null;
      try {
        // Signed at each attempt, as a provider does: the timestamp says when this copy was sent.
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'payment-sandbox/1',
            [SIGNATURE_HEADER]: signatureHeader(secrets, body, unixNow()),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([stopController.signal, AbortSignal.timeout(webhookTimeoutMs)]),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch {
        status = null;
      }
      deliveryLog.push({ eventId: event.id, type: event.type, status, attempt });
      const delivered = status !== null && status >= 200 && status < 300;
      log.info({ eventId: event.id, type: event.type, status, attempt }, delivered ? 'webhook delivered' : 'webhook delivery failed');
      if (delivered) return;
      if (attempt < webhookAttempts) await sleep(webhookRetryDelayMs * 2 ** (attempt - 1));
    }
  }

  /** Every copy of one event, one after the other: a duplicate arrives after the original was answered. */
  async function deliverCopies(event: WebhookEvent, count: number): Promise<void> {
    for (let i = 0; i < count && !stopped; i += 1) await deliver(event);
  }

  function releaseHeld(): void {
    if (held.length === 0) return;
    const batch = held.splice(0).reverse();
    const count = copies(switches.duplicateWebhooks);
    log.info({ events: batch.length }, 'releasing held webhooks, newest first');
    // In sequence, so the receiver really sees them in reverse order.
    track(
      (async () => {
        for (const event of batch) await deliverCopies(event, count);
      })(),
    );
  }

  function publish(type: WebhookEventType, intent: StoredIntent): void {
    const event: WebhookEvent = { id: id('evt'), type, created: unixNow(), data: { object: eventObject(intent) } };
    events.push(event);
    if (switches.dropWebhooks) {
      log.info({ eventId: event.id, type }, 'webhook dropped (dropWebhooks)');
      return;
    }
    if (switches.reorderWebhooks) {
      held.push(event);
      return;
    }
    track(deliverCopies(event, copies(switches.duplicateWebhooks)));
  }

  // --- the API ----------------------------------------------------------------------------------

  function findIntent(intentId: string): StoredIntent {
    const intent = intents.get(intentId);
    if (!intent) throw new HttpError(404, 'invalid_request_error', 'resource_missing', `No such payment_intent: '${intentId}'`, 'id');
    return intent;
  }

  function unexpectedState(intent: StoredIntent, action: string): Reply {
    const error = new HttpError(
      400,
      'invalid_request_error',
      'payment_intent_unexpected_state',
      `You cannot ${action} this PaymentIntent because it has a status of ${intent.status}.`,
    );
    return { status: 400, body: errorBody(error), keep: true };
  }

  function createIntent(body: Record<string, unknown>): Reply {
    onlyKeys(body, ['amount', 'currency', 'metadata']);
    const { amount, currency } = body;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) {
      throw invalid('parameter_invalid_integer', `amount must be a positive integer (minor units) of at most ${MAX_AMOUNT}`, 'amount');
    }
    if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency)) {
      throw invalid('parameter_invalid', 'currency must be a three-letter lowercase ISO code', 'currency');
    }
    const intentId = id('pi');
    const intent: StoredIntent = {
      id: intentId,
      amount,
      currency,
      status: 'requires_payment_method',
      clientSecret: `${intentId}_secret_${randomBytes(12).toString('hex')}`,
      metadata: parseMetadata(body.metadata),
      lastPaymentError: null,
      paymentMethod: null,
      created: unixNow(),
      refundReason: null,
    };
    intents.set(intent.id, intent);
    return { status: 200, body: apiObject(intent), keep: true };
  }

  function confirmIntent(intent: StoredIntent, body: Record<string, unknown>): Reply {
    onlyKeys(body, ['payment_method']);
    const method = body.payment_method;
    if (typeof method !== 'string' || !(TEST_PAYMENT_METHODS as readonly string[]).includes(method)) {
      throw invalid('payment_method_unknown', `Unknown payment method; use one of ${TEST_PAYMENT_METHODS.join(', ')}`, 'payment_method');
    }
    // A failed payment leaves the order payable: the intent can be confirmed again with another method.
    if (!['requires_payment_method', 'requires_confirmation', 'payment_failed'].includes(intent.status)) {
      return unexpectedState(intent, 'confirm');
    }
    intent.paymentMethod = method;
    intent.lastPaymentError = null;
    if (method === 'pm_card_visa') {
      intent.status = 'succeeded';
      publish('payment_intent.succeeded', intent);
    } else if (method === 'pm_card_declined') {
      intent.status = 'payment_failed';
      intent.lastPaymentError = { code: 'card_declined', message: DECLINE_MESSAGE };
      publish('payment_intent.payment_failed', intent);
    } else {
      intent.status = 'processing';
      track(
        (async () => {
          await sleep(slowMs);
          if (stopped || intent.status !== 'processing') return;
          intent.status = 'succeeded';
          publish('payment_intent.succeeded', intent);
        })(),
      );
    }
    return { status: 200, body: apiObject(intent), keep: true };
  }

  function refundIntent(intent: StoredIntent, body: Record<string, unknown>): Reply {
    onlyKeys(body, ['reason']);
    const reason = body.reason;
    if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 500)) {
      throw invalid('parameter_invalid', 'reason must be a string of at most 500 characters', 'reason');
    }
    if (intent.status !== 'succeeded') return unexpectedState(intent, 'refund');
    intent.status = 'refunded';
    intent.refundReason = typeof reason === 'string' ? reason : null;
    publish('charge.refunded', intent);
    return { status: 200, body: apiObject(intent), keep: true };
  }

  function authorize(req: http.IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match?.[1] || !constantTimeEquals(match[1], options.apiKey)) {
      throw new HttpError(401, 'authentication_error', 'invalid_api_key', 'Invalid API key provided');
    }
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /** Leaves the request unanswered until the client gives up, the sandbox stops, or hangMs passes. */
  function hang(res: http.ServerResponse, entry: SandboxRequest): void {
    hanging.add(res);
    const timer = setTimeout(() => {
      entry.status = 504;
      send(res, 504, errorBody(new HttpError(504, 'api_error', 'gateway_timeout', 'The sandbox held this request on purpose (timeoutNext)')));
    }, hangMs);
    res.on('close', () => {
      clearTimeout(timer);
      hanging.delete(res);
    });
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, path: string, entry: SandboxRequest): Promise<number | null> {
    const raw = await readBody(req);
    await sleep(switches.delayMs);
    if (stopped) return null;

    // Failures of the provider's infrastructure come before anything runs: nothing is stored for them,
    // so a retry with the same idempotency key is a first attempt as far as the API is concerned.
    if (switches.down) {
      send(res, 503, errorBody(new HttpError(503, 'api_error', 'service_unavailable', 'The payment provider is down (sandbox switch "down")')));
      return 503;
    }
    if (switches.timeoutNext > 0) {
      switches.timeoutNext -= 1;
      hang(res, entry);
      return null;
    }
    if (switches.failNext > 0) {
      switches.failNext -= 1;
      send(res, 500, errorBody(new HttpError(500, 'api_error', 'internal_error', 'Internal error (sandbox switch "failNext")')));
      return 500;
    }

    authorize(req);
    const method = req.method ?? 'GET';
    const intentMatch = INTENT_PATH.exec(path);
    const isCreate = path === '/v1/payment_intents';
    if (!isCreate && !intentMatch) throw new HttpError(404, 'invalid_request_error', 'route_unknown', `Unrecognized request URL (${method}: ${path})`);
    const action = intentMatch?.[2];
    const expected = isCreate || action ? 'POST' : 'GET';
    if (method !== expected) {
      throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', `${method} is not allowed on ${path}`);
    }

    if (method === 'GET') {
      const intent = findIntent(intentMatch?.[1] ?? '');
      send(res, 200, apiObject(intent));
      return 200;
    }

    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw invalid('idempotency_key_missing', 'Every write needs an Idempotency-Key header of 1 to 255 characters');
    }
    const body = parseJsonBody(raw);
    const fingerprint = digest(`${method} ${path}\n${canonical(body)}`).toString('hex');

    // The handlers below run synchronously once the body is read, so a key is never seen half-processed
    // and a concurrent duplicate simply finds the first answer.
    const stored = replies.get(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new HttpError(
          422,
          'idempotency_error',
          'idempotency_key_reused',
          'Keys for idempotent requests can only be used with the same parameters they were first used with',
        );
      }
      entry.replayed = true;
      send(res, stored.status, stored.body, { 'idempotent-replayed': 'true' });
      return stored.status;
    }

    let reply: Reply;
    if (isCreate) reply = createIntent(body);
    else {
      const intent = findIntent(intentMatch?.[1] ?? '');
      reply = action === '/confirm' ? confirmIntent(intent, body) : refundIntent(intent, body);
    }
    if (reply.keep) replies.set(key, { fingerprint, status: reply.status, body: reply.body });
    send(res, reply.status, reply.body);
    return reply.status;
  }

  async function admin(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<number> {
    const raw = await readBody(req);
    authorize(req);
    const method = req.method ?? 'GET';
    if (path === '/_sandbox/switches' && method === 'GET') {
      send(res, 200, { ...switches });
      return 200;
    }
    if (path === '/_sandbox/switches' && method === 'POST') {
      Object.assign(switches, parseSwitches(parseJsonBody(raw)));
      log.info({ switches: { ...switches } }, 'sandbox switches changed');
      send(res, 200, { ...switches });
      return 200;
    }
    if (path === '/_sandbox/deliveries' && method === 'GET') {
      send(res, 200, { data: [...deliveryLog] });
      return 200;
    }
    if (path === '/_sandbox/events' && method === 'GET') {
      send(res, 200, { data: [...events] });
      return 200;
    }
    const redeliver = REDELIVER_PATH.exec(path);
    if (redeliver && method === 'POST') {
      if (!provider.redeliver(redeliver[1] ?? '')) {
        throw new HttpError(404, 'invalid_request_error', 'resource_missing', `No such event: '${redeliver[1]}'`);
      }
      send(res, 202, { redelivering: redeliver[1] });
      return 202;
    }
    throw new HttpError(404, 'invalid_request_error', 'route_unknown', `Unrecognized request URL (${method}: ${path})`);
  }

  const server = http.createServer((req, res) => {
    const started = performance.now();
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    } catch {
      path = '/';
    }
    const isApi = path.startsWith('/v1/') || path === '/v1';
    const key = req.headers['idempotency-key'];
    const entry: SandboxRequest = { method: req.method ?? 'GET', path, status: null, idempotencyKey: typeof key === 'string' ? key : null, replayed: false };
    if (isApi) requestLog.push(entry);

    const work = isApi ? api(req, res, path, entry) : path.startsWith('/_sandbox/') ? admin(req, res, path) : Promise.reject(new HttpError(404, 'invalid_request_error', 'route_unknown', `Unrecognized request URL (${req.method}: ${path})`));
    work
      .catch((error: unknown) => {
        const httpError = error instanceof HttpError ? error : new HttpError(500, 'api_error', 'internal_error', 'Internal sandbox error');
        if (!(error instanceof HttpError)) log.error({ err: error }, 'sandbox handler failed');
        send(res, httpError.status, errorBody(httpError), httpError.status === 413 ? { connection: 'close' } : {});
        return httpError.status;
      })
      .then((status) => {
        entry.status = status;
        // No headers are logged: the Authorization header is the API key.
        log.info(
          { method: entry.method, path, status, durationMs: Math.round(performance.now() - started), idempotencyKey: entry.idempotencyKey ?? undefined, replayed: entry.replayed || undefined },
          'sandbox request',
        );
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const publicHost = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : host;
  const url = `http://${publicHost}:${address.port}`;
  log.info({ url }, 'payment sandbox listening');

  const provider: SandboxProvider = {
    url,
    setWebhookUrl(next) {
      webhookUrl = next;
    },
    switches,
    intents() {
      return [...intents.values()].map((intent) => ({
        id: intent.id,
        amount: intent.amount,
        currency: intent.currency,
        status: intent.status,
        clientSecret: intent.clientSecret,
        metadata: { ...intent.metadata },
        lastPaymentError: intent.lastPaymentError?.message ?? null,
      }));
    },
    deliveries() {
      return deliveryLog.map((delivery) => ({ ...delivery }));
    },
    async flushDeliveries() {
      for (;;) {
        releaseHeld();
        if (pending.size === 0) return;
        await Promise.all([...pending]);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopController.abort();
      for (const wake of [...sleepers]) wake();
      for (const res of hanging) res.destroy();
      await Promise.all([...pending]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    requests() {
      return requestLog.map((request) => ({ ...request }));
    },
    events() {
      return events.map((event) => structuredClone(event));
    },
    redeliver(eventId) {
      const event = events.find((candidate) => candidate.id === eventId);
      if (!event) return false;
      log.info({ eventId, type: event.type }, 'redelivering webhook');
      track(deliver(event));
      return true;
    },
  };
  return provider;
}
