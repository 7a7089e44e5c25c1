import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createMemoryBudget, type CostBudget } from '../../src/rate-limit/budget';
import { addressKey } from '../../src/rate-limit/client-key';
import { createRedisBudget } from '../../src/rate-limit/redis-budget';
import { createLogger } from '../../src/logger';

// The token bucket's arithmetic, on a clock the test moves (in memory), and
// its atomicity in Redis (with TEST_REDIS_URL): concurrent takes never spend
// the same points twice.

const REDIS_URL = process.env.TEST_REDIS_URL;

describe('a budget in memory', () => {
  let now = 0;
  const budget = createMemoryBudget({ capacity: 100, restoreRate: 10 }, () => now);

  it('starts full, takes what it holds, refuses what it does not and says when it will', async () => {
    // given a fresh client
    expect(await budget.peek('a')).toEqual({ maximumAvailable: 100, currentlyAvailable: 100, restoreRate: 10 });

    // when it takes 70, then 40
    expect(await budget.take('a', 70)).toEqual({ granted: true, status: { maximumAvailable: 100, currentlyAvailable: 30, restoreRate: 10 } });
    const refused = await budget.take('a', 40);

    // then the second is refused, takes nothing, and 1 second (10 points) would do
    expect(refused).toEqual({ granted: false, status: { maximumAvailable: 100, currentlyAvailable: 30, restoreRate: 10 }, retryAfterSeconds: 1 });
    expect((await budget.peek('a')).currentlyAvailable).toBe(30);
  });

  it('refills at the restore rate, up to its capacity', async () => {
    now += 1000;
    expect((await budget.take('a', 40)).granted).toBe(true);
    now += 2500;
    expect((await budget.peek('a')).currentlyAvailable).toBe(25);
    now += 60_000;
    expect((await budget.peek('a')).currentlyAvailable).toBe(100);
  });

  it('gives back and takes after the fact, within 0 and the capacity', async () => {
    await budget.take('b', 90);
    expect((await budget.adjust('b', 50)).currentlyAvailable).toBe(60);
    expect((await budget.adjust('b', 500)).currentlyAvailable).toBe(100);
    expect((await budget.adjust('b', -500)).currentlyAvailable).toBe(0);
  });

  it('keeps one bucket per key', async () => {
    await budget.take('c', 100);
    expect((await budget.peek('c')).currentlyAvailable).toBe(0);
    expect((await budget.peek('d')).currentlyAvailable).toBe(100);
  });
});

describe('whose budget an address spends', () => {
  it.each([
    ['an IPv4 address', '203.0.113.7', 'address:203.0.113.7'],
    ['an IPv4-mapped IPv6 address, as IPv4', '::ffff:203.0.113.7', 'address:203.0.113.7'],
    ['an IPv6 address, by its /64', '2001:db8:0:1:aaaa:bbbb:cccc:dddd', 'address:2001:db8:0:1::/64'],
    ['a compressed IPv6 address of the same /64', '2001:db8:0:1::9', 'address:2001:db8:0:1::/64'],
    ['no address', undefined, 'address:unknown'],
  ])('%s', (_name, address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

if (!REDIS_URL) console.warn('TEST_REDIS_URL is unset: the atomicity of budgets in Redis is not tested.');

(REDIS_URL ? describe : describe.skip)('a budget in Redis (TEST_REDIS_URL)', () => {
  const prefix = `storefront-test-${randomUUID()}:`;
  const connections: Redis[] = [];
  const budgets: CostBudget[] = [];
  const log = createLogger({ logLevel: 'silent' });

  beforeAll(() => {
    // Two connections, as two gateway instances have; a refill so slow it adds nothing during the test.
    for (let i = 0; i < 2; i += 1) {
      const redis = new Redis(REDIS_URL!);
      connections.push(redis);
      budgets.push(createRedisBudget(redis, { capacity: 20, restoreRate: 0.001 }, prefix, log));
    }
  });
  afterAll(async () => {
    const keys = await connections[0]!.keys(`${prefix}*`);
    if (keys.length > 0) await connections[0]!.del(...keys);
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('grants 60 concurrent takes of one point from two instances exactly 20 times', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => budgets[i % 2]!.take('shared', 1)));
    expect(results.filter((result) => result.granted)).toHaveLength(20);
    expect((await budgets[1]!.peek('shared')).currentlyAvailable).toBe(0);
  });

  it('lets the key expire once it would be full again', async () => {
    await budgets[0]!.take('expiring', 1);
    const ttl = await connections[0]!.pttl(`${prefix}expiring`);
    // 1 point at 0.001 per second: 1,000 s, plus a second of margin
    expect(ttl).toBeGreaterThan(990_000);
    expect(ttl).toBeLessThanOrEqual(1_001_000);
  });
});
