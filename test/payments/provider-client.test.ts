import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import {
  createPaymentProvider,
  PaymentProviderError,
  type PaymentProvider,
  type PaymentProviderOptions,
} from '../../src/integrations/payments/client';
import { signatureHeader, verifySignature } from '../../src/integrations/payments/signature';
import { startWebhookReceiver, type WebhookReceiver } from '../../sandbox/payment-provider/receiver';
import { startSandboxProvider, type SandboxProvider } from '../../sandbox/payment-provider/server';

const API_KEY = 'sk_test_client_suite';
const WEBHOOK_SECRET = 'whsec_client_suite';
const ORDER = { amount: 2599, currency: 'usd', metadata: { orderId: 'T3JkZXI6MQ==' } };

let sandbox: SandboxProvider;
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSandboxProvider({
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    slowMs: 200,
    webhookRetryDelayMs: 10,
  });
});
afterEach(async () => {
  await sandbox?.stop();
  await receiver?.stop();
});

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger writing into an array, so tests can read what the client logged. */
function capturedLog(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

function client(overrides: Partial<PaymentProviderOptions> = {}): { provider: PaymentProvider; lines: LogLine[] } {
  const { log, lines } = capturedLog();
  const provider = createPaymentProvider({
    baseUrl: sandbox.url,
    apiKey: API_KEY,
    log,
    timeoutMs: 1000,
    backoff: { initialDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
  return { provider, lines };
}

async function failure(promise: Promise<unknown>): Promise<PaymentProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PaymentProviderError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const calls = (lines: LogLine[]) => lines.filter((line) => line.msg.startsWith('payment provider call'));
const circuitLog = (lines: LogLine[]) => lines.filter((line) => 'circuit' in line).map((line) => line.circuit);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('payments against the sandbox', () => {
  it('creates and confirms with pm_card_visa: succeeded, and one signed webhook', async () => {
    const { provider } = client();

    // when an intent is created and confirmed with the succeeding card
    const created = await provider.createIntent(ORDER, 'order-1:create');
    const confirmed = await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_visa' }, 'order-1:confirm:1');

    // then the intent succeeded
    expect(created).toMatchObject({ amount: 2599, currency: 'usd', status: 'requires_payment_method', metadata: ORDER.metadata });
    expect(created.id).toMatch(/^pi_/);
    expect(created.clientSecret).toContain('_secret_');
    expect(confirmed).toMatchObject({ id: created.id, status: 'succeeded', lastPaymentError: null });
    expect((await provider.retrieveIntent(created.id)).status).toBe('succeeded');

    // and exactly one webhook arrived, signed with the secret, about this intent
    await receiver.waitFor(1);
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(verifySignature(delivery?.signature, delivery!.rawBody, [WEBHOOK_SECRET])).toMatchObject({ ok: true });
    expect(delivery?.event).toMatchObject({
      type: 'payment_intent.succeeded',
      data: { object: { id: created.id, amount: 2599, currency: 'usd', status: 'succeeded', metadata: { orderId: ORDER.metadata.orderId } } },
    });
    expect(delivery?.event?.id).toMatch(/^evt_/);
    expect(delivery?.rawBody.toString()).not.toContain('secret');
    expect(sandbox.deliveries()).toEqual([{ eventId: delivery?.event?.id, type: 'payment_intent.succeeded', status: 200, attempt: 1 }]);
  });

  it('confirms with pm_card_declined: payment_failed (not an error), and the order stays payable', async () => {
    const { provider } = client();
    const created = await provider.createIntent(ORDER, 'order-2:create');

    // when the declined card is used
    const declined = await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_declined' }, 'order-2:confirm:1');

    // then the intent comes back failed, with the reason, and a payment_failed webhook follows
    expect(declined).toMatchObject({ status: 'payment_failed', lastPaymentError: 'Your card was declined.' });
    const [failed] = await receiver.waitFor(1);
    expect(failed?.event?.type).toBe('payment_intent.payment_failed');

    // and another card (with a new key) can still pay
    const paid = await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_visa' }, 'order-2:confirm:2');
    expect(paid).toMatchObject({ status: 'succeeded', lastPaymentError: null });
    const deliveries = await receiver.waitFor(2);
    expect(deliveries.map((d) => d.event?.type)).toEqual(['payment_intent.payment_failed', 'payment_intent.succeeded']);
  });

  it('confirms with pm_card_slow: processing, then succeeded with its webhook', async () => {
    const { provider } = client();
    const created = await provider.createIntent(ORDER, 'order-3:create');

    const confirmed = await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_slow' }, 'order-3:confirm:1');
    expect(confirmed.status).toBe('processing');
    expect((await provider.retrieveIntent(created.id)).status).toBe('processing');
    expect(receiver.received).toHaveLength(0);

    // after slowMs (200 ms here) the payment completes
    const [delivery] = await receiver.waitFor(1, 2000);
    expect(delivery?.event).toMatchObject({ type: 'payment_intent.succeeded', data: { object: { id: created.id, status: 'succeeded' } } });
    expect((await provider.retrieveIntent(created.id)).status).toBe('succeeded');
  });

  it('refunds a succeeded intent once', async () => {
    const { provider } = client();
    const created = await provider.createIntent(ORDER, 'order-4:create');
    await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_visa' }, 'order-4:confirm:1');

    const refunded = await provider.refundIntent(created.id, { reason: 'requested_by_customer' }, 'order-4:refund');
    expect(refunded.status).toBe('refunded');
    const deliveries = await receiver.waitFor(2);
    expect(deliveries.map((d) => d.event?.type).sort()).toEqual(['charge.refunded', 'payment_intent.succeeded']);

    // a second refund (new key) is refused, and not retried
    const before = sandbox.requests().length;
    const error = await failure(provider.refundIntent(created.id, {}, 'order-4:refund:again'));
    expect(error).toMatchObject({ kind: 'rejected', status: 400, providerCode: 'payment_intent_unexpected_state' });
    expect(sandbox.requests().length - before).toBe(1);
  });
});

describe('idempotency', () => {
  it('the same key twice gives the same intent and creates one', async () => {
    const { provider } = client();
    const first = await provider.createIntent(ORDER, 'order-5:create');
    const second = await provider.createIntent(ORDER, 'order-5:create');

    expect(second).toEqual(first);
    expect(sandbox.intents()).toHaveLength(1);
    expect(sandbox.requests().map((r) => r.replayed)).toEqual([false, true]);
  });

  it('the same confirm key twice charges once and sends one webhook', async () => {
    const { provider } = client();
    const created = await provider.createIntent(ORDER, 'order-6:create');
    const first = await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_visa' }, 'order-6:confirm:1');
    const again = await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_visa' }, 'order-6:confirm:1');

    expect(again).toEqual(first);
    await sandbox.flushDeliveries();
    expect(sandbox.events()).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  it('the same key with another body is refused (rejected, 422)', async () => {
    const { provider } = client();
    await provider.createIntent(ORDER, 'order-7:create');
    const error = await failure(provider.createIntent({ ...ORDER, amount: 1 }, 'order-7:create'));

    expect(error).toMatchObject({ kind: 'rejected', status: 422, providerCode: 'idempotency_key_reused' });
    expect(sandbox.intents()).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries two 500s with the same idempotency key and creates one intent', async () => {
    const { provider, lines } = client({ maxAttempts: 3 });
    sandbox.switches.failNext = 2;

    const intent = await provider.createIntent(ORDER, 'order-8:create');

    expect(intent.status).toBe('requires_payment_method');
    expect(sandbox.intents()).toHaveLength(1);
    const requests = sandbox.requests();
    expect(requests.map((r) => r.status)).toEqual([500, 500, 200]);
    // every attempt carried the key, which is what makes retrying a write safe
    expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set(['order-8:create']));
    expect(calls(lines)).toHaveLength(1);
    expect(calls(lines)[0]).toMatchObject({ attempts: 3, status: 200, outcome: 'ok' });
  });

  it('retries 429', async () => {
    // A throwaway server: the sandbox has no rate limit switch.
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits += 1;
      res.writeHead(hits === 1 ? 429 : 200, { 'content-type': 'application/json' });
      res.end(
        hits === 1
          ? '{"error":{"code":"rate_limited"}}'
          : JSON.stringify({ id: 'pi_1', amount: 1, currency: 'usd', status: 'succeeded', client_secret: 'pi_1_secret_x', metadata: {} }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { provider } = client({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      expect((await provider.retrieveIntent('pi_1')).status).toBe('succeeded');
      expect(hits).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never retries a 4xx', async () => {
    const { provider } = client({ maxAttempts: 3 });

    const missing = await failure(provider.retrieveIntent('pi_doesnotexist'));
    const invalid = await failure(provider.createIntent({ ...ORDER, currency: 'USD' }, 'order-9:create'));
    const badKey = await failure(client({ apiKey: 'sk_test_wrong' }).provider.retrieveIntent('pi_doesnotexist'));

    expect(missing).toMatchObject({ kind: 'rejected', status: 404, providerCode: 'resource_missing' });
    expect(invalid).toMatchObject({ kind: 'rejected', status: 400, providerCode: 'parameter_invalid' });
    expect(badKey).toMatchObject({ kind: 'rejected', status: 401, providerCode: 'invalid_api_key' });
    expect(sandbox.requests()).toHaveLength(3);
  });

  it('refuses an id that is not a payment intent id, or a bad key, without sending anything', async () => {
    const { provider } = client();
    const error = await failure(provider.confirmIntent('../payment_intents', { paymentMethod: 'pm_card_visa' }, 'k'));
    expect(error).toMatchObject({ kind: 'rejected', providerCode: 'invalid_intent_id' });
    const badKey = await failure(provider.createIntent(ORDER, 'has spaces'));
    expect(badKey).toMatchObject({ kind: 'rejected', providerCode: 'invalid_idempotency_key' });
    expect(sandbox.requests()).toHaveLength(0);
  });

  it('gives up on a provider that is down after maxAttempts, as unavailable', async () => {
    const { provider, lines } = client({ maxAttempts: 3 });
    sandbox.switches.down = true;

    const error = await failure(provider.createIntent(ORDER, 'order-10:create'));

    expect(error).toMatchObject({ kind: 'unavailable', status: 503, reason: 'status' });
    expect(sandbox.requests()).toHaveLength(3);
    expect(calls(lines)[0]).toMatchObject({ attempts: 3, status: 503, outcome: 'unavailable' });
  });
});

describe('timeouts', () => {
  it('abandons a hung attempt after timeoutMs and retries', async () => {
    const { provider, lines } = client({ timeoutMs: 150 });
    sandbox.switches.timeoutNext = 1;

    const started = Date.now();
    const intent = await provider.createIntent(ORDER, 'order-11:create');

    expect(intent.status).toBe('requires_payment_method');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sandbox.requests().map((r) => r.status)).toEqual([null, 200]);
    expect(calls(lines)[0]).toMatchObject({ attempts: 2, outcome: 'ok' });
  });

  it('fails as unavailable (timeout) when every attempt hangs', async () => {
    const { provider } = client({ timeoutMs: 100, maxAttempts: 2 });
    sandbox.switches.timeoutNext = 5;

    const started = Date.now();
    const error = await failure(provider.retrieveIntent('pi_whatever'));

    expect(error).toMatchObject({ kind: 'unavailable', reason: 'timeout' });
    expect(error.status).toBeUndefined();
    expect(sandbox.requests()).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failed calls, fails fast, half-opens and closes when the provider is back', async () => {
    const { provider, lines } = client({ maxAttempts: 2, breaker: { failures: 2, halfOpenAfterMs: 150 } });
    sandbox.switches.down = true;

    // two calls fail, each after its two attempts: the circuit opens only then
    await failure(provider.retrieveIntent('pi_a'));
    expect(provider.circuitState()).toBe('closed');
    await failure(provider.retrieveIntent('pi_a'));
    expect(provider.circuitState()).toBe('open');
    expect(sandbox.requests()).toHaveLength(4);

    // while open, calls fail fast without reaching the provider
    const fast = await failure(provider.retrieveIntent('pi_a'));
    expect(fast).toMatchObject({ kind: 'unavailable', reason: 'circuit_open' });
    expect(sandbox.requests()).toHaveLength(4);
    expect(calls(lines).at(-1)).toMatchObject({ attempts: 0, outcome: 'circuit_open' });

    // after halfOpenAfterMs, a single trial attempt while still down reopens the circuit
    await sleep(200);
    await failure(provider.retrieveIntent('pi_a'));
    expect(sandbox.requests()).toHaveLength(5);
    expect(provider.circuitState()).toBe('open');

    // once the provider is back, the next trial closes it
    sandbox.switches.down = false;
    await sleep(200);
    const created = await provider.createIntent(ORDER, 'order-12:create');
    expect(created.status).toBe('requires_payment_method');
    expect(provider.circuitState()).toBe('closed');
    expect(sandbox.requests()).toHaveLength(6);

    // every state change was logged as a warning
    expect(circuitLog(lines)).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(lines.filter((line) => 'circuit' in line).every((line) => line.level === 40)).toBe(true);
  });

  it('does not count 4xx answers as failures', async () => {
    const { provider } = client({ breaker: { failures: 1 } });
    for (let i = 0; i < 3; i += 1) await failure(provider.retrieveIntent('pi_missing'));
    expect(provider.circuitState()).toBe('closed');
  });
});

describe('logging', () => {
  it('logs one line per call with method, path, status, attempts, duration and outcome, and no secrets', async () => {
    const { provider, lines } = client();
    const created = await provider.createIntent(ORDER, 'order-13:create');
    await provider.confirmIntent(created.id, { paymentMethod: 'pm_card_visa' }, 'order-13:confirm:1');
    await failure(provider.retrieveIntent('pi_missing'));

    const logged = calls(lines);
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatchObject({ method: 'POST', path: '/v1/payment_intents', status: 200, attempts: 1, outcome: 'ok', idempotencyKey: 'order-13:create' });
    expect(logged[1]).toMatchObject({ method: 'POST', path: `/v1/payment_intents/${created.id}/confirm`, status: 200, outcome: 'ok' });
    expect(logged[2]).toMatchObject({ method: 'GET', path: '/v1/payment_intents/pi_missing', status: 404, attempts: 1, outcome: 'rejected' });
    expect(typeof logged[0]?.durationMs).toBe('number');

    const text = JSON.stringify(lines);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(created.clientSecret);
    expect(text).not.toContain('Bearer');
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from(JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' }));
  const now = 1_800_000_000;

  it('accepts a valid signature', () => {
    expect(verifySignature(signatureHeader('whsec_a', body, now), body, ['whsec_a'], { now })).toEqual({ ok: true, timestamp: now });
    // string and Buffer bodies sign the same bytes
    expect(signatureHeader('whsec_a', body.toString(), now)).toBe(signatureHeader('whsec_a', body, now));
  });

  it('accepts either secret during a rotation (two v1 entries)', () => {
    const header = signatureHeader(['whsec_old', 'whsec_new'], body, now);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifySignature(header, body, ['whsec_new'], { now }).ok).toBe(true);
    expect(verifySignature(header, body, ['whsec_old'], { now }).ok).toBe(true);
    // the receiver may hold both as well, in any order
    expect(verifySignature(signatureHeader('whsec_old', body, now), body, ['whsec_new', 'whsec_old'], { now }).ok).toBe(true);
    expect(verifySignature(header, body, ['whsec_other'], { now })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a timestamp more than 300 s away, either way', () => {
    expect(verifySignature(signatureHeader('whsec_a', body, now - 301), body, ['whsec_a'], { now })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(signatureHeader('whsec_a', body, now + 301), body, ['whsec_a'], { now })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(signatureHeader('whsec_a', body, now - 300), body, ['whsec_a'], { now }).ok).toBe(true);
    expect(verifySignature(signatureHeader('whsec_a', body, now - 301), body, ['whsec_a'], { now, toleranceSeconds: 600 }).ok).toBe(true);
  });

  it('refuses a tampered body, and a signature re-dated by hand', () => {
    const header = signatureHeader('whsec_a', body, now);
    const tampered = Buffer.from(body.toString().replace('succeeded', 'payment_failed'));
    expect(verifySignature(header, tampered, ['whsec_a'], { now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(header.replace(`t=${now}`, `t=${now + 1}`), body, ['whsec_a'], { now })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reports a missing header', () => {
    expect(verifySignature(undefined, body, ['whsec_a'])).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature('', body, ['whsec_a'])).toEqual({ ok: false, reason: 'missing' });
  });

  const v1 = 'a'.repeat(64);
  it.each([
    ['no structure', 'garbage'],
    ['no signature', `t=${now}`],
    ['no timestamp', `v1=${v1}`],
    ['a non-integer timestamp', `t=1.5,v1=${v1}`],
    ['a negative timestamp', `t=-1,v1=${v1}`],
    ['a textual timestamp', `t=abc,v1=${v1}`],
    ['two timestamps', `t=${now},t=${now},v1=${v1}`],
    ['a short signature', `t=${now},v1=abc`],
    ['a non-hex signature', `t=${now},v1=${'z'.repeat(64)}`],
    ['spaces', `t=${now}, v1=${v1}`],
    ['an empty element', `t=${now},,v1=${v1}`],
    ['too many signatures', `t=${now},${Array.from({ length: 9 }, () => `v1=${v1}`).join(',')}`],
    ['an oversized header', `t=${now},v1=${v1},x=${'a'.repeat(2000)}`],
  ])('reports %s as malformed', (_name, header) => {
    expect(verifySignature(header, body, ['whsec_a'], { now })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('skips elements of other schemes', () => {
    const header = `${signatureHeader('whsec_a', body, now)},v0=${'b'.repeat(64)}`;
    expect(verifySignature(header, body, ['whsec_a'], { now }).ok).toBe(true);
  });

  it('matches nothing without a secret', () => {
    expect(verifySignature(signatureHeader('whsec_a', body, now), body, [], { now })).toEqual({ ok: false, reason: 'mismatch' });
  });
});
