import { randomUUID } from 'node:crypto';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { createGateway, type Gateway } from '../../src/app';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { StatementCounter } from '../../src/db/prisma';
import type { OrderStatus } from '../../src/generated/prisma/client';
import { toGlobalId } from '../../src/graphql/global-id';
import { createLogger } from '../../src/logger';
import { createMemoryPubSub } from '../../src/realtime/memory-pubsub';
import type { PubSub } from '../../src/realtime/pubsub';
import { createRedisPubSub } from '../../src/realtime/redis-pubsub';
import { orderStatusTopic, publishOrderStatus } from '../../src/realtime/topics';
import { ACCOUNTS, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// Subscriptions over a real WebSocket (graphql-ws client and `ws`), against a
// real gateway. A status change is simulated the way the payment webhook makes
// one: the row is updated (committed), then the event is published.

const REDIS_URL = process.env.TEST_REDIS_URL;
const log = createLogger({ logLevel: 'silent' });

const ORDER_STATUS = /* GraphQL */ `
  subscription OrderStatus($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      status
      changedAt
      order { id number status }
    }
  }
`;

interface OrderStatusData {
  orderStatusChanged: { status: OrderStatus; changedAt: string; order: { id: string; number: number; status: OrderStatus } };
}

/**
 * The gateway's pub/sub with a count of live subscriptions per topic, so a
 * test knows when the server has subscribed (graphql-ws acknowledges no
 * subscription) and that leaving unsubscribes.
 */
function countingPubSub(inner: PubSub) {
  const live = new Map<string, number>();
  const change = (topic: string, by: number) => live.set(topic, (live.get(topic) ?? 0) + by);
  const pubsub: PubSub = {
    publish: (topic, payload) => inner.publish(topic, payload),
    subscribe<T>(topic: string) {
      const source = inner.subscribe<T>(topic);
      change(topic, 1);
      let open = true;
      const release = () => {
        if (open) change(topic, -1);
        open = false;
      };
      const wrapped: AsyncIterableIterator<T> = {
        next: () => source.next(),
        return: (value?: unknown) => {
          release();
          return source.return!(value);
        },
        throw: (error?: unknown) => {
          release();
          return source.throw!(error);
        },
        [Symbol.asyncIterator]: () => wrapped,
      };
      return wrapped;
    },
    close: () => inner.close(),
  };
  return { pubsub, live: (topic: string) => live.get(topic) ?? 0 };
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A graphql-ws client of `httpUrl`'s WebSocket twin, recording how its socket closed. */
function connect(httpUrl: string, authorization?: string) {
  const closes: Array<{ code: number; reason: string }> = [];
  const client: Client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closes.push({ code, reason: String(reason) });
      },
    },
  });
  return { client, closes };
}

type Outcome = FormattedExecutionResult<OrderStatusData, unknown>;

/** One subscription's results, error and completion as they arrive. */
function subscribe(client: Client, orderId: string) {
  const results: Outcome[] = [];
  let error: unknown;
  let completed = false;
  const unsubscribe = client.subscribe<OrderStatusData>(
    { query: ORDER_STATUS, variables: { orderId } },
    {
      next: (result) => void results.push(result),
      error: (thrown) => {
        error = thrown;
      },
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    results,
    unsubscribe,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    async nextResult(index: number): Promise<Outcome> {
      await eventually(() => results.length > index, `result #${index + 1}`);
      return results[index]!;
    },
    /** Resolves when the subscription is over: completed by the server or failed. */
    async ended(): Promise<void> {
      await eventually(() => completed || error !== undefined, 'the subscription to end');
    },
  };
}

/** Errors without the per-operation request id, for comparing two answers. */
function withoutRequestId(result: Outcome) {
  return result.errors?.map(({ extensions, ...error }) => {
    const { requestId, ...rest } = extensions ?? {};
    expect(requestId).toEqual(expect.any(String));
    return { ...error, extensions: rest };
  });
}

let gateway: TestGateway;
let counting: ReturnType<typeof countingPubSub>;
let alice: Customer;
let bob: Customer;
let staff: Customer;
const clients: Client[] = [];

beforeAll(async () => {
  counting = countingPubSub(createMemoryPubSub());
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog, pubsub: counting.pubsub });
  alice = await signedIn(gateway, ACCOUNTS.alice.email);
  bob = await signedIn(gateway, ACCOUNTS.bob.email);
  staff = await signedIn(gateway, ACCOUNTS.staff.email);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});
afterAll(async () => {
  await gateway?.close();
  await counting?.pubsub.close();
});

function clientOf(url: string, who: Customer | string | null) {
  const authorization = who === null ? undefined : typeof who === 'string' ? who : who.headers.authorization;
  const connection = connect(url, authorization);
  clients.push(connection.client);
  return connection;
}

let keys = 0;
/** An order of `userId` written straight to the database, PENDING_PAYMENT. */
async function insertOrder(userId: number): Promise<{ id: string; dbId: number; number: number }> {
  const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-01' } });
  keys += 1;
  const order = await gateway.prisma.order.create({
    data: {
      userId,
      totalCents: product.priceCents,
      idempotencyKey: `realtime-${keys}`,
      items: { create: [{ productId: product.id, productName: product.name, unitPriceCents: product.priceCents, quantity: 1 }] },
    },
  });
  return { id: toGlobalId('Order', order.id), dbId: order.id, number: order.number };
}

/** What the webhook will do: commit the new status, then publish it. */
async function changeStatus(pubsub: PubSub, orderId: number, status: OrderStatus, at = new Date()): Promise<void> {
  await gateway.prisma.order.update({ where: { id: orderId }, data: { status } });
  await publishOrderStatus(pubsub, { orderId, status, at: at.toISOString() });
}

describe('Subscription.orderStatusChanged', () => {
  it("sends the owner every status change of her order, with the order as it is now", async () => {
    // given alice subscribed to her pending order
    const order = await insertOrder(alice.dbId);
    const { client } = clientOf(gateway.url, alice);
    const subscription = subscribe(client, order.id);
    await eventually(() => counting.live(orderStatusTopic(order.dbId)) === 1, 'the server to subscribe');

    // when it is paid, then shipped
    const paidAt = new Date('2026-06-01T10:00:00.000Z');
    await changeStatus(counting.pubsub, order.dbId, 'PAID', paidAt);
    const first = await subscription.nextResult(0);
    await changeStatus(counting.pubsub, order.dbId, 'SHIPPED');
    const second = await subscription.nextResult(1);

    // then she receives both, each with the order re-read for that event (not the row read when she subscribed)
    expect(first).toEqual({
      data: { orderStatusChanged: { status: 'PAID', changedAt: paidAt.toISOString(), order: { id: order.id, number: order.number, status: 'PAID' } } },
    });
    expect(second.errors).toBeUndefined();
    expect(second.data?.orderStatusChanged).toEqual(expect.objectContaining({ status: 'SHIPPED', order: expect.objectContaining({ status: 'SHIPPED' }) }));

    // and an event of another order is not sent to her
    const other = await insertOrder(alice.dbId);
    await changeStatus(counting.pubsub, other.dbId, 'PAID');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subscription.results).toHaveLength(2);

    // when she unsubscribes, then the server lets go of the topic
    subscription.unsubscribe();
    await eventually(() => counting.live(orderStatusTopic(order.dbId)) === 0, 'the server to unsubscribe');
  });

  it("sends staff the changes of a customer's order", async () => {
    const order = await insertOrder(alice.dbId);
    const { client } = clientOf(gateway.url, staff);
    const subscription = subscribe(client, order.id);
    await eventually(() => counting.live(orderStatusTopic(order.dbId)) === 1, 'the server to subscribe');

    await changeStatus(counting.pubsub, order.dbId, 'CANCELLED');

    const result = await subscription.nextResult(0);
    expect(result.errors).toBeUndefined();
    expect(result.data?.orderStatusChanged).toEqual(
      expect.objectContaining({ status: 'CANCELLED', order: { id: order.id, number: order.number, status: 'CANCELLED' } }),
    );
  });

  it("answers another customer's order exactly like an unknown one: NOT_FOUND, nothing else, nothing later", async () => {
    // given alice's order, and bob subscribing to it and to an id that exists nowhere
    const order = await insertOrder(alice.dbId);
    const { client } = clientOf(gateway.url, bob);
    const foreign = subscribe(client, order.id);
    const unknown = subscribe(client, toGlobalId('Order', 999_999));

    // then each is answered with NOT_FOUND and ends, and the two answers are the same
    await foreign.ended();
    await unknown.ended();
    expect(foreign.results).toHaveLength(1);
    expect(foreign.results[0]!.data).toBeUndefined();
    expect(foreign.results[0]!.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(withoutRequestId(foreign.results[0]!)).toEqual(withoutRequestId(unknown.results[0]!));
    expect(foreign.error).toBeUndefined();

    // and the server never listened, so a later change of alice's order reaches nobody
    expect(counting.live(orderStatusTopic(order.dbId))).toBe(0);
    await changeStatus(counting.pubsub, order.dbId, 'PAID');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(foreign.results).toHaveLength(1);
  });

  it('answers an anonymous subscriber with UNAUTHENTICATED', async () => {
    const order = await insertOrder(alice.dbId);
    const { client } = clientOf(gateway.url, null);
    const subscription = subscribe(client, order.id);

    await subscription.ended();

    expect(subscription.results).toHaveLength(1);
    expect(subscription.results[0]!.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['orderStatusChanged'], 'UNAUTHENTICATED']]);
    expect(counting.live(orderStatusTopic(order.dbId))).toBe(0);
  });

  it.each([
    { case: 'a malformed id', id: () => 'not-an-id' },
    { case: 'a Product id', id: () => toGlobalId('Product', 1) },
  ])('answers $case with BAD_USER_INPUT naming orderId', async ({ id }) => {
    const { client } = clientOf(gateway.url, alice);
    const subscription = subscribe(client, id());

    await subscription.ended();

    expect(subscription.results.map((result) => result.errors?.map((error) => [error.extensions?.code, error.extensions?.argument]))).toEqual([
      [['BAD_USER_INPUT', 'orderId']],
    ]);
  });

  it('refuses queries and mutations over the socket: they belong on HTTP', async () => {
    const { client } = clientOf(gateway.url, alice);
    const errors = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: '{ viewer { id } }' }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) });
    });
    expect(errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) })]);
  });

  it('holds the limits of HTTP: depth and cost, refused with QUERY_TOO_COMPLEX before anything runs', async () => {
    const { client } = clientOf(gateway.url, alice);
    const refusal = (query: string) =>
      new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) });
      });
    // 14 levels deep (at most 12)
    const deep = await refusal(
      'subscription { orderStatusChanged(orderId: "x") { order { items { product { category { products(first: 1) { nodes { category { products(first: 1) { nodes { category { products(first: 1) { nodes { name } } } } } } } } } } } } } }',
    );
    // 100 × 100 reviews' authors (at most 1,000 points)
    const costly = await refusal(
      'subscription { orderStatusChanged(orderId: "x") { order { items { product { category { products(first: 100) { nodes { reviews(first: 100) { nodes { author { name } } } } } } } } } } }',
    );
    expect(deep).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' }) })]);
    expect(costly).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' }) })]);
    // (HTTP's status and headers are not part of a socket's error)
    expect(JSON.stringify([deep, costly])).not.toContain('"http"');
  });

  it('validates the document against the schema', async () => {
    const { client } = clientOf(gateway.url, alice);
    const errors = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { orderStatusChanged(orderId: "x") { nope } }' }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) });
    });
    expect(errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
  });
});

describe('the WebSocket connection', () => {
  it('is closed with 4403 when connection_init carries a bad token', async () => {
    const { client, closes } = clientOf(gateway.url, 'Bearer not.a.valid-token');
    const subscription = subscribe(client, toGlobalId('Order', 1));

    await subscription.ended();

    expect(closes).toEqual([{ code: 4403, reason: 'Forbidden' }]);
    expect(subscription.results).toEqual([]);
  });

  it('is closed with 4401 when its access token expires, ending its subscriptions', async () => {
    // given alice subscribed with a token that expires in 2 seconds
    const order = await insertOrder(alice.dbId);
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(alice.dbId))
      .setIssuer('storefront-gateway')
      .setAudience('storefront-clients')
      .setIssuedAt(now)
      .setExpirationTime(now + 2)
      .sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));
    const { client, closes } = clientOf(gateway.url, `Bearer ${shortLived}`);
    const subscription = subscribe(client, order.id);
    await eventually(() => counting.live(orderStatusTopic(order.dbId)) === 1, 'the server to subscribe');

    // it works while the token is valid
    await changeStatus(counting.pubsub, order.dbId, 'PAID');
    expect((await subscription.nextResult(0)).data?.orderStatusChanged.status).toBe('PAID');

    // when the token expires, then the socket is closed with 4401 and the server lets go of the topic
    await eventually(() => closes.length > 0, 'the socket to close', 6_000);
    expect(closes).toEqual([{ code: 4401, reason: 'Access token expired' }]);
    expect(Date.now()).toBeGreaterThanOrEqual((now + 2) * 1000);
    await subscription.ended();
    await eventually(() => counting.live(orderStatusTopic(order.dbId)) === 0, 'the server to unsubscribe');
  });
});

/** Another gateway over the test gateway's database (the same Prisma client: PGlite is a single session). */
async function startAnotherGateway(pubsub: PubSub): Promise<{ gateway: Gateway; url: string }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: gateway.testDatabase.url });
  const database: Database = {
    prisma: gateway.prisma,
    statements: new StatementCounter(),
    embedded: gateway.testDatabase.embedded,
    description: 'the test database, shared',
    close: async () => undefined,
  };
  const another = await createGateway({ config, database, log, pubsub });
  return { gateway: another, url: await another.listen(0, '127.0.0.1') };
}

describe('shutdown', () => {
  it('closes every socket with 1001 (going away) and ends their subscriptions', async () => {
    // given a separate gateway with two subscribers
    const own = countingPubSub(createMemoryPubSub());
    const { gateway: doomed, url } = await startAnotherGateway(own.pubsub);
    const order = await insertOrder(alice.dbId);
    const first = clientOf(url, alice);
    const second = clientOf(url, staff);
    const subscriptions = [subscribe(first.client, order.id), subscribe(second.client, order.id)];
    await eventually(() => own.live(orderStatusTopic(order.dbId)) === 2, 'both subscriptions');

    // when it stops
    await doomed.stop();

    // then both sockets were closed with 1001 and the subscriptions released
    await eventually(() => first.closes.length > 0 && second.closes.length > 0, 'both sockets to close');
    expect([...first.closes, ...second.closes].map((close) => close.code)).toEqual([1001, 1001]);
    for (const subscription of subscriptions) await subscription.ended();
    expect(own.live(orderStatusTopic(order.dbId))).toBe(0);
    await own.pubsub.close();
  });
});

if (!REDIS_URL) {
  console.warn('TEST_REDIS_URL is unset: the test of subscriptions across two gateway instances over Redis is skipped.');
}

(REDIS_URL ? describe : describe.skip)('two gateway instances over Redis (TEST_REDIS_URL)', () => {
  it('delivers an event published through instance A to a subscriber on instance B', async () => {
    // given two instances over one database, each with its own Redis pub/sub (a channel prefix of this run's own)
    const channelPrefix = `storefront-test-${randomUUID()}:`;
    const pubsubA = createRedisPubSub(REDIS_URL!, log, { channelPrefix });
    const pubsubB = createRedisPubSub(REDIS_URL!, log, { channelPrefix });
    const a = await startAnotherGateway(pubsubA);
    const b = await startAnotherGateway(pubsubB);
    const admin = new Redis(REDIS_URL!);
    try {
      // and alice subscribed on B
      const order = await insertOrder(alice.dbId);
      const { client } = clientOf(b.url, alice);
      const subscription = subscribe(client, order.id);
      const channel = channelPrefix + orderStatusTopic(order.dbId);
      await eventually(async () => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]) === 1, 'B to subscribe in Redis');

      // when the change is committed and published through A
      await changeStatus(pubsubA, order.dbId, 'PAID');

      // then B sends it to alice
      const result = await subscription.nextResult(0);
      expect(result.errors).toBeUndefined();
      expect(result.data?.orderStatusChanged).toEqual(expect.objectContaining({ status: 'PAID', order: { id: order.id, number: order.number, status: 'PAID' } }));
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.dispose()));
      await a.gateway.stop();
      await b.gateway.stop();
      await pubsubA.close();
      await pubsubB.close();
      await admin.quit();
    }
  });
});

describe('subscriptions and the cost budget', () => {
  let limited: TestGateway;
  let customer: Customer;
  beforeAll(async () => {
    // a budget of 30 points that refills 1 point a second
    limited = await startTestGateway({ seed: seedAccountsWithCatalog, env: { MAX_QUERY_COST: '30', RATE_LIMIT_POINTS: '30', RATE_LIMIT_RESTORE_RATE: '1' } });
    customer = await signedIn(limited, ACCOUNTS.alice.email);
  });
  afterAll(() => limited?.close());

  it('charges each subscription its cost and refuses one the budget cannot hold with RATE_LIMITED', async () => {
    // when alice subscribes three times in a row to a subscription of 22 points (each answered at once: the
    // order ID is not one)
    const { client } = clientOf(limited.url, customer);
    const codes: unknown[] = [];
    let refusal: { message: string; extensions?: Record<string, unknown> } | undefined;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const errors = await new Promise<Array<{ message: string; extensions?: Record<string, unknown> }>>((resolve) => {
        const seen: Array<{ message: string; extensions?: Record<string, unknown> }> = [];
        client.subscribe(
          { query: 'subscription { orderStatusChanged(orderId: "x") { status order { id items { productName } } } }' },
          { next: (result) => seen.push(...((result.errors ?? []) as typeof seen)), error: (error) => resolve(error as typeof seen), complete: () => resolve(seen) },
        );
      });
      codes.push(errors[0]?.extensions?.code);
      if (errors[0]?.extensions?.code === 'RATE_LIMITED') refusal ??= errors[0];
    }

    // then the first ran (and failed on its argument), taking 22 of the 30 points, and the next two were refused
    expect(codes).toEqual(['BAD_USER_INPUT', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(refusal?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
  });
});
