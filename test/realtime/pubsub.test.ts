import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createLogger } from '../../src/logger';
import { createMemoryPubSub } from '../../src/realtime/memory-pubsub';
import { createPubSub, type PubSub } from '../../src/realtime/pubsub';
import { createRedisPubSub } from '../../src/realtime/redis-pubsub';
import { orderStatusTopic, publishOrderStatus, type OrderStatusEvent } from '../../src/realtime/topics';

const REDIS_URL = process.env.TEST_REDIS_URL;
const log = createLogger({ logLevel: 'silent' });

/** The next message, or a failure naming the topic if none comes within `ms`. */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms = 2_000): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `iterator` stays silent for `ms` (its pending next() is left behind). */
async function staysSilent(iterator: AsyncIterator<unknown>, ms = 150): Promise<boolean> {
  const silence = Symbol('silence');
  const outcome = await Promise.race([iterator.next(), new Promise((resolve) => setTimeout(() => resolve(silence), ms))]);
  return outcome === silence;
}

describe('the in-memory pub/sub', () => {
  let pubsub: PubSub;
  beforeEach(() => {
    pubsub = createMemoryPubSub();
  });
  afterEach(() => pubsub.close());

  it("delivers a topic's messages, in order and as JSON, to its subscribers only", async () => {
    const first = pubsub.subscribe<{ n: number; at: string }>('a');
    const second = pubsub.subscribe<{ n: number; at: string }>('a');
    const other = pubsub.subscribe('b');
    const at = new Date('2026-05-01T10:00:00Z');

    await pubsub.publish('a', { n: 1, at });
    await pubsub.publish('a', { n: 2, at });

    // A Date arrives as a string, exactly as over Redis.
    expect(await nextWithin(first)).toEqual({ value: { n: 1, at: '2026-05-01T10:00:00.000Z' }, done: false });
    expect(await nextWithin(first)).toEqual({ value: { n: 2, at: '2026-05-01T10:00:00.000Z' }, done: false });
    const received = (await nextWithin(second)).value!;
    expect(received).toEqual({ n: 1, at: '2026-05-01T10:00:00.000Z' });
    // every subscriber gets its own copy
    received.n = 99;
    expect(await nextWithin(second)).toEqual({ value: { n: 2, at: '2026-05-01T10:00:00.000Z' }, done: false });
    expect(await staysSilent(other)).toBe(true);
  });

  it('delivers only what is published after subscribing', async () => {
    await pubsub.publish('a', 'before');
    const subscriber = pubsub.subscribe('a');
    await pubsub.publish('a', 'after');
    expect(await nextWithin(subscriber)).toEqual({ value: 'after', done: false });
  });

  it('return() unsubscribes at once, finishing a pending next()', async () => {
    const subscriber = pubsub.subscribe('a');
    const pending = subscriber.next();

    await subscriber.return!();

    expect(await pending).toEqual({ value: undefined, done: true });
    await pubsub.publish('a', 'late');
    expect(await subscriber.next()).toEqual({ value: undefined, done: true });
  });

  it('keeps at most maxBuffered undelivered messages per subscriber, dropping the oldest', async () => {
    const bounded = createMemoryPubSub({ maxBuffered: 3 });
    const slow = bounded.subscribe<number>('a');
    for (const n of [1, 2, 3, 4, 5]) await bounded.publish('a', n);
    await bounded.close();

    const received: number[] = [];
    for await (const n of slow) received.push(n);
    expect(received).toEqual([3, 4, 5]);
  });

  it('close() ends every subscription and refuses later publishing', async () => {
    const subscriber = pubsub.subscribe('a');
    const pending = subscriber.next();

    await pubsub.close();

    expect(await pending).toEqual({ value: undefined, done: true });
    await expect(pubsub.publish('a', 1)).rejects.toThrow('closed');
    expect(await pubsub.subscribe('a').next()).toEqual({ value: undefined, done: true });
  });

  it('publishOrderStatus publishes the event on the order’s topic', async () => {
    const subscriber = pubsub.subscribe<OrderStatusEvent>(orderStatusTopic(42));
    const event: OrderStatusEvent = { orderId: 42, status: 'PAID', at: '2026-05-01T10:00:00.000Z' };

    await publishOrderStatus(pubsub, event);

    expect(orderStatusTopic(42)).not.toEqual(orderStatusTopic(4));
    expect(await nextWithin(subscriber)).toEqual({ value: event, done: false });
  });

  it('is what createPubSub makes without a Redis URL', async () => {
    const made = createPubSub({ redisUrl: undefined }, log);
    const subscriber = made.subscribe('a');
    await made.publish('a', 'hello');
    expect(await nextWithin(subscriber)).toEqual({ value: 'hello', done: false });
    await made.close();
  });
});

if (!REDIS_URL) {
  console.warn('TEST_REDIS_URL is unset: the Redis pub/sub tests are skipped (set it, e.g. to redis://127.0.0.1:6379, to run them).');
}

(REDIS_URL ? describe : describe.skip)('the Redis pub/sub (TEST_REDIS_URL)', () => {
  // A prefix of its own, so concurrent test runs on one Redis never see each other's messages.
  const channelPrefix = `storefront-test-${randomUUID()}:`;
  let admin: Redis;
  let one: PubSub;
  let two: PubSub;

  /** How many Redis connections are subscribed to `topic` (each instance subscribes once, however many local subscribers it has). */
  async function redisSubscribers(topic: string): Promise<number> {
    const [, count] = (await admin.pubsub('NUMSUB', channelPrefix + topic)) as [string, number];
    return Number(count);
  }

  async function waitForRedisSubscribers(topic: string, expected: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while ((await redisSubscribers(topic)) !== expected) {
      if (Date.now() > deadline) throw new Error(`Redis never had ${expected} subscriber(s) on ${topic}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(() => {
    admin = new Redis(REDIS_URL!);
  });
  beforeEach(() => {
    one = createRedisPubSub(REDIS_URL!, log, { channelPrefix });
    two = createRedisPubSub(REDIS_URL!, log, { channelPrefix });
  });
  afterEach(async () => {
    await one.close();
    await two.close();
  });
  afterAll(() => admin.quit());

  it('delivers a message published by one instance to subscribers of another, as JSON', async () => {
    const topic = `t-${randomUUID()}`;
    const subscriber = two.subscribe<{ n: number; at: string }>(topic);
    await waitForRedisSubscribers(topic, 1);

    await one.publish(topic, { n: 1, at: new Date('2026-05-01T10:00:00Z') });

    expect(await nextWithin(subscriber)).toEqual({ value: { n: 1, at: '2026-05-01T10:00:00.000Z' }, done: false });
  });

  it('shares one subscription per channel between local subscribers, and unsubscribes when the last one leaves', async () => {
    const topic = `t-${randomUUID()}`;
    const first = one.subscribe<number>(topic);
    const second = one.subscribe<number>(topic);
    await waitForRedisSubscribers(topic, 1);

    await two.publish(topic, 7);
    expect(await nextWithin(first)).toEqual({ value: 7, done: false });
    expect(await nextWithin(second)).toEqual({ value: 7, done: false });

    await first.return!();
    expect(await redisSubscribers(topic)).toBe(1);
    await two.publish(topic, 8);
    expect(await nextWithin(second)).toEqual({ value: 8, done: false });

    await second.return!();
    await waitForRedisSubscribers(topic, 0);
  });

  it('uses one subscriber connection for all of an instance’s subscriptions', async () => {
    const instance = createRedisPubSub(REDIS_URL!, log, { channelPrefix });
    try {
      const topics = [1, 2, 3].map(() => `t-${randomUUID()}`);
      const subscribers = topics.map((topic) => instance.subscribe(topic));
      for (const topic of topics) await waitForRedisSubscribers(topic, 1);

      // One connection subscribed to all three channels (a connection per subscription would show three with sub=1).
      const clients = ((await admin.client('LIST')) as string).split('\n');
      expect(clients.filter((line) => line.includes(' name=storefront-subscriber ') && line.includes(' sub=3 '))).toHaveLength(1);

      for (const subscriber of subscribers) await subscriber.return!();
    } finally {
      await instance.close();
    }
  });

  it('drops a message that is not JSON and keeps delivering', async () => {
    const topic = `t-${randomUUID()}`;
    const subscriber = one.subscribe(topic);
    await waitForRedisSubscribers(topic, 1);

    await admin.publish(channelPrefix + topic, '{not json');
    await two.publish(topic, { ok: true });

    expect(await nextWithin(subscriber)).toEqual({ value: { ok: true }, done: false });
  });

  it('close() ends its subscriptions, unsubscribes and refuses later publishing', async () => {
    const topic = `t-${randomUUID()}`;
    const subscriber = one.subscribe(topic);
    await waitForRedisSubscribers(topic, 1);
    const pending = subscriber.next();

    await one.close();

    expect(await pending).toEqual({ value: undefined, done: true });
    await waitForRedisSubscribers(topic, 0);
    await expect(one.publish(topic, 1)).rejects.toThrow('closed');
  });

  it('is what createPubSub makes with a Redis URL', async () => {
    const made = createPubSub({ redisUrl: REDIS_URL }, log);
    const topic = `t-${randomUUID()}`;
    const subscriber = made.subscribe(topic);
    // the default prefix
    const deadline = Date.now() + 5_000;
    while (Number(((await admin.pubsub('NUMSUB', `storefront:${topic}`)) as [string, number])[1]) !== 1) {
      if (Date.now() > deadline) throw new Error('never subscribed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await made.publish(topic, 'hello');
    expect(await nextWithin(subscriber)).toEqual({ value: 'hello', done: false });
    await made.close();
  });
});
