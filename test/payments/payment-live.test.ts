import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createGateway, type Gateway } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { StatementCounter } from '../../src/db/prisma';
import { toGlobalId } from '../../src/graphql/global-id';
import { createLogger } from '../../src/logger';
import type { PubSub } from '../../src/realtime/pubsub';
import { createRedisPubSub } from '../../src/realtime/redis-pubsub';
import { newCustomer, seedAccountsWithCatalog, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors } from '../helpers/assertions';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// Checkout to PAID, watched live: the customer subscribes to her order over
// graphql-ws, pays through the in-process sandbox, the sandbox's signed
// webhook reaches the gateway, and the subscriber hears PAID. With
// TEST_REDIS_URL, the payment goes through instance A and the subscriber
// listens on instance B.

const REDIS_URL = process.env.TEST_REDIS_URL;
const log = createLogger({ logLevel: 'silent' });

const ORDER_STATUS = 'subscription S($orderId: ID!) { orderStatusChanged(orderId: $orderId) { status order { id status } } }';
const ADD = 'mutation Add($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }';
const CHECKOUT = 'mutation C($input: CheckoutInput!) { checkout(input: $input) { order { id status } userErrors { code } } }';
const CONFIRM = 'mutation P($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { order { id } userErrors { code } } }';

type Update = { orderStatusChanged: { status: string; order: { id: string; status: string } } };

/** Subscribes to an order's status on `graphqlUrl`, collecting what arrives. */
function watch(graphqlUrl: string, customer: Customer, orderId: string) {
  const client: Client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: customer.headers.authorization },
    retryAttempts: 0,
  });
  const updates: Update[] = [];
  const errors: unknown[] = [];
  let subscribed = false;
  client.on('connected', () => {
    subscribed = true;
  });
  client.subscribe<Update>({ query: ORDER_STATUS, variables: { orderId } }, {
    next: (result) => (result.data ? updates.push(result.data) : errors.push(result.errors)),
    error: (error) => errors.push(error),
    complete: () => undefined,
  });
  return {
    updates,
    errors,
    connected: () => subscribed,
    close: () => client.dispose(),
  };
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function placeOrder(gateway: TestGateway, customer: Customer): Promise<string> {
  const product = await gateway.prisma.product.findFirstOrThrow({ where: { published: true }, orderBy: { id: 'asc' } });
  await gateway.prisma.product.update({ where: { id: product.id }, data: { stockQuantity: 100 } });
  const added = await gateway.graphql(ADD, { input: { productId: toGlobalId('Product', product.id), quantity: 1 } }, customer.headers);
  expect(added.body).toEqual({ data: { addToCart: { userErrors: [] } } });
  const placed = await gateway.graphql<{ checkout: { order: { id: string } | null; userErrors: Array<{ code: string }> } }>(
    CHECKOUT,
    { input: { idempotencyKey: randomUUID() } },
    customer.headers,
  );
  expectNoErrors(placed);
  return expectAccepted(placed.body.data?.checkout).order!.id;
}

/** Pays, then waits for the subscriber to hear PAID. */
async function payAndWatch(payThrough: TestGateway, watchOn: string, customer: Customer): Promise<Update[]> {
  const orderId = await placeOrder(payThrough, customer);
  const watcher = watch(watchOn, customer, orderId);
  try {
    await eventually(watcher.connected, 'the subscription to connect');
    // A short pause lets the server register the subscription before the payment can complete.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const paid = await payThrough.graphql<{ confirmPayment: { order: { id: string } | null; userErrors: Array<{ code: string }> } }>(
      CONFIRM,
      { input: { orderId, paymentMethod: 'pm_card_visa' } },
      customer.headers,
    );
    expectNoErrors(paid);
    expectAccepted(paid.body.data?.confirmPayment);
    await eventually(() => watcher.updates.length > 0 || watcher.errors.length > 0, 'the PAID update');
    expect(watcher.errors).toEqual([]);
    return watcher.updates.map((update) => ({ ...update, orderStatusChanged: { ...update.orderStatusChanged } }));
  } finally {
    await watcher.close();
  }
}

describe('one instance', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  });
  afterAll(() => gateway?.close());

  it('tells the subscribed customer that her order is PAID once the provider confirmed it', async () => {
    const customer = await newCustomer(gateway, 'live');
    const updates = await payAndWatch(gateway, gateway.url, customer);
    expect(updates).toEqual([{ orderStatusChanged: { status: 'PAID', order: { id: expect.any(String), status: 'PAID' } } }]);
  });

  it('tells her when she cancels it, too', async () => {
    const customer = await newCustomer(gateway, 'live-cancel');
    const orderId = await placeOrder(gateway, customer);
    const watcher = watch(gateway.url, customer, orderId);
    try {
      await eventually(watcher.connected, 'the subscription to connect');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const cancelled = await gateway.graphql(
        'mutation X($input: CancelOrderInput!) { cancelOrder(input: $input) { userErrors { code } } }',
        { input: { orderId } },
        customer.headers,
      );
      expect(cancelled.body).toEqual({ data: { cancelOrder: { userErrors: [] } } });
      await eventually(() => watcher.updates.length > 0, 'the CANCELLED update');
      expect(watcher.updates).toEqual([{ orderStatusChanged: { status: 'CANCELLED', order: { id: orderId, status: 'CANCELLED' } } }]);
    } finally {
      await watcher.close();
    }
  });
});

if (!REDIS_URL) {
  console.warn('TEST_REDIS_URL is unset: the payment seen live across two gateway instances over Redis is skipped.');
}

(REDIS_URL ? describe : describe.skip)('two instances over Redis (TEST_REDIS_URL)', () => {
  let a: TestGateway;
  let b: Gateway;
  let bUrl: string;
  const pubsubs: PubSub[] = [];

  beforeAll(async () => {
    const channelPrefix = `storefront-test-${randomUUID()}:`;
    pubsubs.push(createRedisPubSub(REDIS_URL!, log, { channelPrefix }), createRedisPubSub(REDIS_URL!, log, { channelPrefix }));
    a = await startTestGateway({ seed: seedAccountsWithCatalog, pubsub: pubsubs[0] });
    // B shares A's database, Redis and payment provider, as instances behind one load balancer do.
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: a.testDatabase.url });
    const database: Database = {
      prisma: a.prisma,
      statements: new StatementCounter(),
      embedded: a.testDatabase.embedded,
      description: 'instance A’s database, shared',
      close: async () => undefined,
    };
    b = await createGateway({ config, database, log, pubsub: pubsubs[1], payments: a.payments, expiryJob: false });
    bUrl = await b.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    await Promise.all(pubsubs.map((pubsub) => pubsub.close()));
  });

  it('delivers a payment confirmed through instance A to a subscriber on instance B', async () => {
    const customer = await newCustomer(a, 'live-two');
    const updates = await payAndWatch(a, bUrl, customer);
    expect(updates).toEqual([{ orderStatusChanged: { status: 'PAID', order: { id: expect.any(String), status: 'PAID' } } }]);
  });
});
