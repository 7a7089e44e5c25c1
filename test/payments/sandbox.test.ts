import { verifySignature } from '../../src/integrations/payments/signature';
import { startWebhookReceiver, type WebhookReceiver } from '../../sandbox/payment-provider/receiver';
import { startSandboxProvider, type SandboxProvider, type SandboxProviderOptions } from '../../sandbox/payment-provider/server';

const API_KEY = 'sk_test_sandbox_suite';
const WEBHOOK_SECRET = 'whsec_sandbox_suite';

let sandbox: SandboxProvider;
let receiver: WebhookReceiver;

async function start(overrides: Partial<SandboxProviderOptions> = {}): Promise<void> {
  await sandbox?.stop();
  sandbox = await startSandboxProvider({
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    slowMs: 200,
    webhookRetryDelayMs: 10,
    ...overrides,
  });
}

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  await start();
});
afterEach(async () => {
  await sandbox?.stop();
  await receiver?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; rawBody?: string; key?: string; apiKey?: string | null; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey !== null) headers.authorization = `Bearer ${options.apiKey ?? API_KEY}`;
  if (options.key) headers['idempotency-key'] = options.key;
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

const ORDER = { amount: 1500, currency: 'usd', metadata: { orderId: 'T3JkZXI6Nw==' } };

async function createIntent(key = `create-${Math.random()}`): Promise<Record<string, any>> {
  const answer = await call('POST', '/v1/payment_intents', { body: ORDER, key });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function confirm(intentId: string, paymentMethod: string, key = `confirm-${Math.random()}`): Promise<Answer> {
  return call('POST', `/v1/payment_intents/${intentId}/confirm`, { body: { payment_method: paymentMethod }, key });
}

async function paidIntent(): Promise<string> {
  const intent = await createIntent();
  expect((await confirm(intent.id, 'pm_card_visa')).body.status).toBe('succeeded');
  return intent.id as string;
}

describe('the API', () => {
  it('answers 401 without the API key or with another one', async () => {
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'k', apiKey: null })).status).toBe(401);
    const wrong = await call('GET', '/v1/payment_intents/pi_x', { apiKey: 'sk_test_other' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
  });

  it.each([
    ['a zero amount', { ...ORDER, amount: 0 }, 'amount'],
    ['a negative amount', { ...ORDER, amount: -5 }, 'amount'],
    ['a fractional amount', { ...ORDER, amount: 10.5 }, 'amount'],
    ['an amount as a string', { ...ORDER, amount: '1500' }, 'amount'],
    ['an uppercase currency', { ...ORDER, currency: 'USD' }, 'currency'],
    ['a two-letter currency', { ...ORDER, currency: 'us' }, 'currency'],
    ['a non-string metadata value', { ...ORDER, metadata: { orderId: 7 } }, 'metadata[orderId]'],
    ['an unknown parameter', { ...ORDER, capture: 'now' }, 'capture'],
  ])('refuses %s with a 400 naming the parameter', async (_name, body, param) => {
    const answer = await call('POST', '/v1/payment_intents', { body, key: `bad-${param}` });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(sandbox.intents()).toHaveLength(0);
  });

  it('refuses invalid JSON and a write without an Idempotency-Key', async () => {
    expect((await call('POST', '/v1/payment_intents', { rawBody: '{"amount":', key: 'k' })).body.error.code).toBe('body_invalid_json');
    expect((await call('POST', '/v1/payment_intents', { body: ORDER })).body.error.code).toBe('idempotency_key_missing');
  });

  it('answers 404 for an unknown intent or route, 405 for a wrong method', async () => {
    expect((await call('GET', '/v1/payment_intents/pi_nope')).body.error.code).toBe('resource_missing');
    expect((await call('GET', '/v1/charges')).status).toBe(404);
    expect((await call('GET', '/v1/payment_intents')).status).toBe(405);
  });

  it('confirms: visa succeeds, declined fails and stays payable, slow processes then succeeds, unknown is a 400', async () => {
    const declined = await createIntent();
    const answer = await confirm(declined.id, 'pm_card_declined');
    expect(answer.body).toMatchObject({ status: 'payment_failed', last_payment_error: { code: 'card_declined', message: 'Your card was declined.' } });
    expect((await confirm(declined.id, 'pm_card_visa')).body).toMatchObject({ status: 'succeeded', last_payment_error: null });

    const slow = await createIntent();
    expect((await confirm(slow.id, 'pm_card_slow')).body.status).toBe('processing');
    await sandbox.flushDeliveries();
    expect((await call('GET', `/v1/payment_intents/${slow.id}`)).body.status).toBe('succeeded');

    const unknown = await confirm((await createIntent()).id, 'pm_card_amex');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'payment_method_unknown', param: 'payment_method' });
  });

  it('refuses to confirm a succeeded intent, but replays the first answer for its key', async () => {
    const intent = await createIntent();
    const first = await confirm(intent.id, 'pm_card_visa', 'pay-once');

    const replay = await confirm(intent.id, 'pm_card_visa', 'pay-once');
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const again = await confirm(intent.id, 'pm_card_visa', 'pay-twice');
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('payment_intent_unexpected_state');
    await sandbox.flushDeliveries();
    expect(sandbox.events()).toHaveLength(1);
  });

  it('refunds only a succeeded intent', async () => {
    const unpaid = await createIntent();
    expect((await call('POST', `/v1/payment_intents/${unpaid.id}/refund`, { body: {}, key: 'r1' })).status).toBe(400);

    const paid = await paidIntent();
    const refund = await call('POST', `/v1/payment_intents/${paid}/refund`, { body: { reason: 'duplicate' }, key: 'r2' });
    expect(refund.body.status).toBe('refunded');
    expect((await call('POST', `/v1/payment_intents/${paid}/refund`, { body: {}, key: 'r3' })).status).toBe(400);
    await sandbox.flushDeliveries();
    expect(sandbox.events().map((e) => e.type)).toEqual(['payment_intent.succeeded', 'charge.refunded']);
  });
});

describe('idempotency keys', () => {
  it('replay the stored answer: one intent', async () => {
    const first = await call('POST', '/v1/payment_intents', { body: ORDER, key: 'same' });
    // the same parameters in another order are the same request
    const second = await call('POST', '/v1/payment_intents', { body: { metadata: ORDER.metadata, currency: 'usd', amount: 1500 }, key: 'same' });
    expect(second.body).toEqual(first.body);
    expect(sandbox.intents()).toHaveLength(1);
  });

  it('refuse another body or another path with 422', async () => {
    const first = await call('POST', '/v1/payment_intents', { body: ORDER, key: 'once' });
    expect((await call('POST', '/v1/payment_intents', { body: { ...ORDER, amount: 1 }, key: 'once' })).status).toBe(422);
    const otherPath = await confirm(first.body.id, 'pm_card_visa', 'once');
    expect(otherPath.status).toBe(422);
    expect(otherPath.body.error.code).toBe('idempotency_key_reused');
    expect(sandbox.intents()).toHaveLength(1);
  });

  it('keep nothing for a request refused by validation, so it can be corrected under the same key', async () => {
    expect((await call('POST', '/v1/payment_intents', { body: { ...ORDER, currency: 'USD' }, key: 'fix-me' })).status).toBe(400);
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'fix-me' })).status).toBe(200);
  });
});

describe('webhooks', () => {
  it('are signed with every current secret (rotation)', async () => {
    await start({ webhookSecret: ['whsec_old', 'whsec_new'] });
    const intentId = await paidIntent();

    const [delivery] = await receiver.waitFor(1);
    expect(delivery?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifySignature(delivery?.signature, delivery!.rawBody, ['whsec_old']).ok).toBe(true);
    expect(verifySignature(delivery?.signature, delivery!.rawBody, ['whsec_new']).ok).toBe(true);
    expect(verifySignature(delivery?.signature, delivery!.rawBody, [WEBHOOK_SECRET]).ok).toBe(false);
    expect(delivery?.event?.data.object.id).toBe(intentId);
  });

  it('are retried with backoff until the receiver answers 2xx', async () => {
    receiver.respondWith(500, 503);
    await paidIntent();

    const deliveries = await receiver.waitFor(3);
    await sandbox.flushDeliveries();
    expect(new Set(deliveries.map((d) => d.event?.id)).size).toBe(1);
    expect(sandbox.deliveries().map((d) => [d.status, d.attempt])).toEqual([
      [500, 1],
      [503, 2],
      [200, 3],
    ]);
    // each attempt is signed afresh and verifies
    expect(deliveries.every((d) => verifySignature(d.signature, d.rawBody, [WEBHOOK_SECRET]).ok)).toBe(true);
  });

  it('give up after webhookAttempts, recording a null status for an unreachable receiver', async () => {
    await start({ webhookUrl: 'http://127.0.0.1:9/unreachable', webhookAttempts: 2 });
    await paidIntent();
    await sandbox.flushDeliveries();
    expect(sandbox.deliveries().map((d) => [d.status, d.attempt])).toEqual([
      [null, 1],
      [null, 2],
    ]);
  });

  it('are duplicated when duplicateWebhooks is on (twice, or N times)', async () => {
    sandbox.switches.duplicateWebhooks = true;
    await paidIntent();
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.event?.id).toBe(receiver.received[1]?.event?.id);

    sandbox.switches.duplicateWebhooks = 3;
    await paidIntent();
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(5);
  });

  it('arrive newest first when reorderWebhooks holds them', async () => {
    sandbox.switches.reorderWebhooks = true;
    const intentId = await paidIntent();
    await call('POST', `/v1/payment_intents/${intentId}/refund`, { body: {}, key: 'refund' });
    const declined = await createIntent();
    await confirm(declined.id, 'pm_card_declined');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(0);

    await sandbox.flushDeliveries();
    expect(receiver.received.map((d) => d.event?.type)).toEqual(['payment_intent.payment_failed', 'charge.refunded', 'payment_intent.succeeded']);
    expect(receiver.received.map((d) => d.event?.id)).toEqual(sandbox.events().map((e) => e.id).reverse());
  });

  it('held events are released when reordering is turned off', async () => {
    sandbox.switches.reorderWebhooks = true;
    await paidIntent();
    await paidIntent();
    sandbox.switches.reorderWebhooks = false;
    const deliveries = await receiver.waitFor(2);
    expect(deliveries.map((d) => d.event?.id)).toEqual(sandbox.events().map((e) => e.id).reverse());
  });

  it('are dropped when dropWebhooks is on, and can be redelivered', async () => {
    sandbox.switches.dropWebhooks = true;
    await paidIntent();
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(0);
    const [event] = sandbox.events();

    // through the admin endpoint
    const answer = await call('POST', `/_sandbox/events/${event?.id}/redeliver`);
    expect(answer.status).toBe(202);
    const [delivery] = await receiver.waitFor(1);
    expect(delivery?.event?.id).toBe(event?.id);
    expect((await call('POST', '/_sandbox/events/evt_nope/redeliver')).status).toBe(404);
  });

  it('wait webhookDelayMs before the first attempt', async () => {
    sandbox.switches.webhookDelayMs = 150;
    const confirmedAt = Date.now();
    await paidIntent();
    await receiver.waitFor(1);
    expect(Date.now() - confirmedAt).toBeGreaterThanOrEqual(140);
  });
});

describe('switches', () => {
  it('failNext answers 500 to the next N API requests, without effect', async () => {
    sandbox.switches.failNext = 2;
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'a' })).status).toBe(500);
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'a' })).status).toBe(500);
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'a' })).status).toBe(200);
    expect(sandbox.intents()).toHaveLength(1);
  });

  it('down answers 503 to every API request until turned off; the admin endpoints still work', async () => {
    sandbox.switches.down = true;
    expect((await call('GET', '/v1/payment_intents/pi_x')).status).toBe(503);
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'b' })).status).toBe(503);
    expect((await call('GET', '/_sandbox/switches')).body.down).toBe(true);
    sandbox.switches.down = false;
    expect((await call('POST', '/v1/payment_intents', { body: ORDER, key: 'b' })).status).toBe(200);
  });

  it('timeoutNext leaves the next N requests unanswered', async () => {
    sandbox.switches.timeoutNext = 1;
    await expect(call('GET', '/v1/payment_intents/pi_x', { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect((await call('GET', '/v1/payment_intents/pi_x')).status).toBe(404);
    expect(sandbox.requests().map((r) => r.status)).toEqual([null, 404]);
  });

  it('a hung request answers 504 after hangMs when the client waits', async () => {
    await start({ hangMs: 100 });
    sandbox.switches.timeoutNext = 1;
    expect((await call('GET', '/v1/payment_intents/pi_x')).status).toBe(504);
  });

  it('delayMs delays every answer', async () => {
    sandbox.switches.delayMs = 120;
    const started = Date.now();
    expect((await call('GET', '/v1/payment_intents/pi_x')).status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('are set over HTTP with the API key, and validated', async () => {
    expect((await call('POST', '/_sandbox/switches', { body: { failNext: 1 }, apiKey: null })).status).toBe(401);
    expect((await call('POST', '/_sandbox/switches', { body: { failNext: -1 } })).body.error.param).toBe('failNext');
    expect((await call('POST', '/_sandbox/switches', { body: { explode: true } })).status).toBe(400);

    const set = await call('POST', '/_sandbox/switches', { body: { failNext: 1, duplicateWebhooks: 2 } });
    expect(set.body).toMatchObject({ failNext: 1, duplicateWebhooks: 2, down: false });
    expect(sandbox.switches.failNext).toBe(1);
    expect((await call('GET', '/v1/payment_intents/pi_x')).status).toBe(500);
  });
});

it('stops promptly with a request hanging and a webhook retrying against a dead receiver', async () => {
  await start({ webhookUrl: 'http://127.0.0.1:9/unreachable', webhookAttempts: 10, webhookRetryDelayMs: 5000 });
  sandbox.switches.timeoutNext = 1;
  const hung = call('GET', '/v1/payment_intents/pi_x').catch((error: unknown) => error);
  while (sandbox.requests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await paidIntent();
  await new Promise((resolve) => setTimeout(resolve, 50));

  const started = Date.now();
  await sandbox.stop();
  expect(Date.now() - started).toBeLessThan(1000);
  // the hung request ends with a network error, not an answer
  expect(await hung).not.toHaveProperty('status');
});
