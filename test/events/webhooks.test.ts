import { Webhook } from 'standardwebhooks';
import { captureLog } from '../helpers/log-capture';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors, expectUserError } from '../helpers/assertions';
import { errorCodes, startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { createEndpoint, deliveries, ENDPOINT_FIELDS, eventually, freePort, placeOrder, Receiver, type DeliveryView, type EndpointView } from './support';

// Outgoing webhooks to merchants' endpoints, against HTTP receivers on this
// machine: registration (admins only), Standard Webhooks signatures checked
// with the `standardwebhooks` library and the secret the API returned once,
// retries on a short schedule, the delivery log, replays and secret rotation.

// Seven attempts at most: short, so that giving up takes a few seconds here (the default spans hours).
const SCHEDULE = '50ms,50ms,50ms,300ms,1s,3s';
const ATTEMPTS = 7;

let gateway: TestGateway;
// At info level: each GraphQL request's log line counts its own SQL statements.
const captured = captureLog('info');
let admin: Customer;
let customer: Customer;
const receivers: Receiver[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: { WEBHOOK_RETRY_SCHEDULE: SCHEDULE, WEBHOOK_TIMEOUT_MS: '500' }, log: captured.log, domainEvents: true });
  await gateway.prisma.product.updateMany({ data: { stockQuantity: 1000, published: true } });
  admin = await signedIn(gateway, ACCOUNTS.admin.email);
  customer = await newCustomer(gateway, 'webhooks');
});
afterEach(async () => {
  // Each test's endpoints hear only its own orders.
  await gateway.prisma.webhookEndpoint.deleteMany();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
});
afterAll(() => gateway?.close());

async function receiver(port = 0): Promise<{ receiver: Receiver; url: string }> {
  const started = new Receiver();
  receivers.push(started);
  return { receiver: started, url: await started.start(port) };
}

/** An endpoint for order.placed at `url`, registered by the admin; its ID and secret. */
async function endpointAt(url: string): Promise<{ endpoint: EndpointView; secret: string }> {
  const created = expectAccepted(await createEndpoint(gateway, admin, { url, eventTypes: ['order.placed'] }));
  return { endpoint: created.endpoint!, secret: created.secret! };
}

/** The id of the order.placed event of a new order. */
async function newOrderEvent(): Promise<string> {
  const orderId = await placeOrder(gateway, customer);
  const event = await gateway.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: orderId, type: 'order.placed' } });
  return event.id;
}

/** The endpoint's delivery of `eventId` once it satisfies `done`. */
function deliveryOf(endpointId: string, eventId: string, done: (delivery: DeliveryView) => boolean, replay = 0): Promise<DeliveryView> {
  return eventually(`the delivery of ${eventId}`, async () => {
    const found = (await deliveries(gateway, admin, endpointId)).find((delivery) => delivery.eventId === eventId && delivery.replay === replay);
    return found !== undefined && done(found) && found;
  });
}

const MUTATE_ENDPOINT = (name: string) =>
  `mutation M($input: WebhookEndpointInput!) { ${name}(input: $input) { endpoint { ${ENDPOINT_FIELDS} } userErrors { code field } } }`;

describe('registering endpoints', () => {
  it('returns the signing secret once, lists the endpoint without it, and is for admins only', async () => {
    // when an admin registers an endpoint
    const created = await createEndpoint(gateway, admin, { url: 'http://127.0.0.1:9/hook', eventTypes: ['order.paid', 'order.shipped', 'order.paid'] });

    // then the payload carries a Standard Webhooks secret, and the endpoint as registered
    expectAccepted(created);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.endpoint).toEqual({ id: expect.any(String), url: 'http://127.0.0.1:9/hook', eventTypes: ['order.paid', 'order.shipped'], enabled: true });
    // and the list shows it (the schema has no field that could show the secret again)
    const listed = await gateway.graphql<{ webhookEndpoints: EndpointView[] }>(`{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`, {}, admin.headers);
    expect(listed.body.data?.webhookEndpoints).toEqual([created.endpoint]);
    // and the secret is stored encrypted, not as given
    const row = await gateway.prisma.webhookEndpoint.findFirstOrThrow();
    expect(row.encryptedSecret).not.toContain(created.secret!.slice(6));

    // and staff, customers and anonymous callers can neither list nor register, nor find one by ID
    const staff = await signedIn(gateway, ACCOUNTS.staff.email);
    for (const [headers, code] of [[staff.headers, 'FORBIDDEN'], [customer.headers, 'FORBIDDEN'], [{}, 'UNAUTHENTICATED']] as const) {
      expect(errorCodes(await gateway.graphql('{ webhookEndpoints { id } }', {}, headers))).toEqual([code]);
      const create = await gateway.graphql(
        'mutation C($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
        { input: { url: 'http://127.0.0.1:9/x', eventTypes: ['order.paid'] } },
        headers,
      );
      expect(errorCodes(create)).toEqual([code]);
      const node = await gateway.graphql<{ node: unknown }>('query N($id: ID!) { node(id: $id) { id } }', { id: created.endpoint!.id }, headers);
      expect(node.body.data?.node ?? null).toBeNull();
    }
    expect(await gateway.prisma.webhookEndpoint.count()).toBe(1);
  });

  it.each([
    ['an unknown event type', { url: 'http://127.0.0.1:9/h', eventTypes: ['order.teleported'] }, 'UNKNOWN_EVENT_TYPE', ['input', 'eventTypes']],
    ['no event type', { url: 'http://127.0.0.1:9/h', eventTypes: [] }, 'EVENT_TYPES_REQUIRED', ['input', 'eventTypes']],
    ['a URL of another scheme', { url: 'ftp://127.0.0.1/h', eventTypes: ['order.paid'] }, 'INVALID_URL', ['input', 'url']],
    ['a URL with credentials', { url: 'http://user:secret@127.0.0.1/h', eventTypes: ['order.paid'] }, 'INVALID_URL', ['input', 'url']],
    ['a relative URL', { url: '/hooks', eventTypes: ['order.paid'] }, 'INVALID_URL', ['input', 'url']],
  ] as const)('refuses %s', async (_name, input, code, field) => {
    expectUserError(await createEndpoint(gateway, admin, { url: input.url, eventTypes: [...input.eventTypes] }), code, [...field]);
    expect(await gateway.prisma.webhookEndpoint.count()).toBe(0);
  });
});

describe('the delivery log', () => {
  const LOG = '{ webhookEndpoints { id url deliveries(first: 10) { totalCount nodes { eventType status attempts endpoint { id } } } } }';
  type Log = { webhookEndpoints: Array<{ deliveries: { totalCount: number; nodes: Array<{ status: string }> } }> };

  /**
   * The SQL statements one request sent, from its log line: counted in the request's own async
   * context, so the relay and the dispatcher working meanwhile in the background do not count.
   */
  async function statementsOf(query: string): Promise<{ body: Log; statements: number }> {
    const response = await gateway.graphql<Log>(query, {}, admin.headers);
    expectNoErrors(response);
    const requestId = response.headers.get('x-request-id');
    const line = captured.entries().find((entry) => entry.requestId === requestId && typeof entry.sqlStatements === 'number');
    return { body: response.body.data!, statements: line!.sqlStatements as number };
  }

  async function readLog(expectedEndpoints: number) {
    await eventually('every delivery to succeed', async () => (await gateway.prisma.webhookDelivery.count({ where: { status: { not: 'SUCCEEDED' } } })) === 0);
    const { body, statements } = await statementsOf(LOG);
    expect(body.webhookEndpoints).toHaveLength(expectedEndpoints);
    return { endpoints: body.webhookEndpoints, statements };
  }

  it('reads every endpoint with its deliveries in the same few statements for one endpoint as for three', async () => {
    // given one endpoint with two deliveries
    const { url } = await receiver();
    await endpointAt(url);
    await newOrderEvent();
    await newOrderEvent();
    const one = await readLog(1);

    // and then three endpoints, two more events
    await endpointAt(url);
    await endpointAt(url);
    await newOrderEvent();
    await newOrderEvent();
    const three = await readLog(3);

    // then the logs are complete, and reading them costs the same for three endpoints as for one:
    // the list itself, then one statement each for the pages of deliveries, their counts and their event types
    expect(one.endpoints.map((endpoint) => endpoint.deliveries.totalCount)).toEqual([2]);
    expect(three.endpoints.map((endpoint) => endpoint.deliveries.totalCount)).toEqual([4, 2, 2]);
    expect(three.statements).toBe(one.statements);
    const list = await statementsOf('{ webhookEndpoints { id url } }');
    expect(three.statements).toBe(list.statements + 3);
  });
});

describe('deliveries', () => {
  it('retries a receiver that fails, and delivers the event signed, with the same webhook-id on every attempt', async () => {
    // given a receiver that answers 500, 503 and 500 before it accepts
    const { receiver: merchant, url } = await receiver();
    merchant.answers = [500, 503, 500];
    const { endpoint, secret } = await endpointAt(url);

    // when an order is placed
    const eventId = await newOrderEvent();

    // then the fourth attempt succeeds, and the log says so
    const delivery = await deliveryOf(endpoint.id, eventId, (found) => found.status === 'SUCCEEDED');
    expect(delivery).toMatchObject({ eventType: 'order.placed', attempts: 4, responseStatus: 204, lastError: null, deliveredAt: expect.any(String) });
    expect(delivery.latencyMs).toEqual(expect.any(Number));
    // and every attempt carried the event id and a signature the library verifies with the secret
    expect(merchant.received.map((request) => request.answered)).toEqual([500, 503, 500, 204]);
    const webhook = new Webhook(secret);
    for (const request of merchant.received) {
      expect(request.headers['webhook-id']).toBe(eventId);
      expect(webhook.verify(request.body, request.headers)).toMatchObject({ id: eventId, type: 'order.placed', data: { version: 1 } });
    }
  });

  it('delivers to a receiver that was down at first, once it is up', async () => {
    // given an endpoint whose receiver is not listening yet
    const port = await freePort();
    const { endpoint, secret } = await endpointAt(`http://127.0.0.1:${port}/hooks/storefront`);

    // when an order is placed, and attempts fail (connection refused)
    const eventId = await newOrderEvent();
    const failing = await deliveryOf(endpoint.id, eventId, (found) => found.attempts >= 2);
    expect(failing).toMatchObject({ status: 'PENDING', responseStatus: null, lastError: expect.stringContaining('ECONNREFUSED') });

    // and the receiver comes up
    const { receiver: merchant } = await receiver(port);

    // then a later attempt delivers it, correctly signed
    const delivered = await deliveryOf(endpoint.id, eventId, (found) => found.status === 'SUCCEEDED');
    expect(delivered.attempts).toBeGreaterThan(2);
    expect(merchant.verified(secret).map((message) => message.id)).toEqual([eventId]);
  });

  it('gives up after the schedule, and a replay is a new delivery signed anew with the rotated secret', async () => {
    // given a receiver that fails every attempt
    const { receiver: merchant, url } = await receiver();
    merchant.answers = Array.from({ length: ATTEMPTS }, () => 500);
    const { endpoint, secret: oldSecret } = await endpointAt(url);
    const eventId = await newOrderEvent();

    // then after the last attempt the delivery is FAILED
    const failed = await deliveryOf(endpoint.id, eventId, (found) => found.status === 'FAILED');
    expect(failed).toMatchObject({ attempts: ATTEMPTS, responseStatus: 500, lastError: 'answered 500', deliveredAt: null });

    // when the admin rotates the secret and replays the delivery
    const rotated = await gateway.graphql<{ rotateWebhookEndpointSecret: { endpoint: EndpointView; secret: string; userErrors: unknown[] } }>(
      'mutation R($input: WebhookEndpointInput!) { rotateWebhookEndpointSecret(input: $input) { endpoint { id } secret userErrors { code } } }',
      { input: { endpointId: endpoint.id } },
      admin.headers,
    );
    expectNoErrors(rotated);
    const newSecret = rotated.body.data!.rotateWebhookEndpointSecret.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const replayed = await gateway.graphql<{ replayWebhookDelivery: { delivery: DeliveryView | null; userErrors: Array<{ code: string }> } }>(
      'mutation P($input: ReplayWebhookDeliveryInput!) { replayWebhookDelivery(input: $input) { delivery { id eventId replay status } userErrors { code } } }',
      { input: { deliveryId: failed.id } },
      admin.headers,
    );
    expectNoErrors(replayed);
    expect(expectAccepted(replayed.body.data?.replayWebhookDelivery).delivery).toMatchObject({ eventId, replay: 1 });

    // then the replay is delivered, and the log keeps both
    await deliveryOf(endpoint.id, eventId, (found) => found.status === 'SUCCEEDED', 1);
    expect((await deliveries(gateway, admin, endpoint.id)).map((delivery) => [delivery.replay, delivery.status])).toEqual([
      [1, 'SUCCEEDED'],
      [0, 'FAILED'],
    ]);
    // and it was signed when sent: with the new secret (and, during the rotation's overlap, the old one too)
    const replay = merchant.received.at(-1)!;
    expect(replay.answered).toBe(204);
    expect(new Webhook(newSecret).verify(replay.body, replay.headers)).toMatchObject({ id: eventId });
    expect(replay.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(replay.body, replay.headers)).toMatchObject({ id: eventId });
    // while the original attempts verify only with the old secret
    const original = merchant.received[0]!;
    expect(original.headers['webhook-signature']).not.toBe(replay.headers['webhook-signature']);
    expect(() => new Webhook(newSecret).verify(original.body, original.headers)).toThrow('No matching signature found');
    expect(new Webhook(oldSecret).verify(original.body, original.headers)).toMatchObject({ id: eventId });
  });

  it('does not follow a redirect, and gives an attempt no longer than its timeout', async () => {
    // given one receiver that redirects to another, and one that never answers
    const { receiver: target, url: targetUrl } = await receiver();
    const { receiver: redirecting, url } = await receiver();
    redirecting.answers = [302];
    redirecting.responseHeaders = { location: targetUrl };
    const { receiver: silent, url: silentUrl } = await receiver();
    silent.answers = [0];
    const redirected = await endpointAt(url);
    const hanging = await endpointAt(silentUrl);

    // when an order is placed
    const eventId = await newOrderEvent();

    // then the redirect counts as a failed attempt, and its target never hears of the event
    const first = await deliveryOf(redirected.endpoint.id, eventId, (found) => found.status === 'SUCCEEDED');
    expect(redirecting.received.map((request) => request.answered)).toEqual([302, 204]);
    expect(target.received).toEqual([]);
    expect(first.attempts).toBe(2);
    // and the attempt that got no answer was cut off at the timeout, then retried
    const timedOut = await deliveryOf(hanging.endpoint.id, eventId, (found) => found.status === 'SUCCEEDED');
    expect(timedOut.attempts).toBe(2);
    expect(silent.received).toHaveLength(2);
  });

  it('queues no second delivery when an event reaches the consumers twice (at-least-once delivery)', async () => {
    // given an event delivered to a merchant
    const { receiver: merchant, url } = await receiver();
    const { endpoint, secret } = await endpointAt(url);
    const eventId = await newOrderEvent();
    await deliveryOf(endpoint.id, eventId, (found) => found.status === 'SUCCEEDED');

    // when the relay delivers it again, as after an instance died between publishing and marking it (its lease run out)
    await gateway.prisma.outboxEvent.update({ where: { id: eventId }, data: { deliveredAt: null, nextAttemptAt: new Date(Date.now() - 1000) } });
    const next = await newOrderEvent();
    await eventually('the event to be delivered a second time', async () => {
      const event = await gateway.prisma.outboxEvent.findUniqueOrThrow({ where: { id: eventId } });
      return event.attempts === 2 && event.deliveredAt !== null;
    });

    // then the webhook consumer recognised it: one delivery per event, and the merchant got each once
    await deliveryOf(endpoint.id, next, (found) => found.status === 'SUCCEEDED');
    expect((await deliveries(gateway, admin, endpoint.id)).map((delivery) => delivery.eventId).sort()).toEqual([eventId, next].sort());
    expect(merchant.verified(secret).map((message) => message.id).sort()).toEqual([eventId, next].sort());
  });

  it('queues nothing for a disabled endpoint, sends again once enabled, and forgets a deleted one', async () => {
    const { receiver: merchant, url } = await receiver();
    const { endpoint, secret } = await endpointAt(url);

    // when the endpoint is disabled and an order placed
    const disabled = await gateway.graphql<{ disableWebhookEndpoint: { endpoint: EndpointView } }>(MUTATE_ENDPOINT('disableWebhookEndpoint'), { input: { endpointId: endpoint.id } }, admin.headers);
    expect(disabled.body.data?.disableWebhookEndpoint.endpoint.enabled).toBe(false);
    const skipped = await newOrderEvent();
    await eventually('the event to be delivered to the bus', async () => (await gateway.prisma.outboxEvent.findUniqueOrThrow({ where: { id: skipped } })).deliveredAt !== null);

    // then it got no delivery; enabled again, it gets the next event
    expect(await deliveries(gateway, admin, endpoint.id)).toEqual([]);
    const enabled = await gateway.graphql<{ enableWebhookEndpoint: { endpoint: EndpointView } }>(MUTATE_ENDPOINT('enableWebhookEndpoint'), { input: { endpointId: endpoint.id } }, admin.headers);
    expect(enabled.body.data?.enableWebhookEndpoint.endpoint.enabled).toBe(true);
    const sent = await newOrderEvent();
    await deliveryOf(endpoint.id, sent, (found) => found.status === 'SUCCEEDED');
    expect(merchant.verified(secret).map((message) => message.id)).toEqual([sent]);

    // and once deleted, it and its log are gone
    const deleted = await gateway.graphql<{ deleteWebhookEndpoint: { deletedEndpointId: string | null; userErrors: unknown[] } }>(
      'mutation D($input: WebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedEndpointId userErrors { code } } }',
      { input: { endpointId: endpoint.id } },
      admin.headers,
    );
    expect(deleted.body.data?.deleteWebhookEndpoint).toEqual({ deletedEndpointId: endpoint.id, userErrors: [] });
    expect(await gateway.prisma.webhookDelivery.count({ where: { eventId: sent } })).toBe(0);
    const again = await gateway.graphql<{ disableWebhookEndpoint: { endpoint: null; userErrors: Array<{ code: string; field: string[] | null }> } }>(MUTATE_ENDPOINT('disableWebhookEndpoint'), { input: { endpointId: endpoint.id } }, admin.headers);
    expectUserError(again.body.data?.disableWebhookEndpoint, 'ENDPOINT_NOT_FOUND', ['input', 'endpointId']);
  });
});
