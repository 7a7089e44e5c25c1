import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createGateway, type Gateway } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { StatementCounter } from '../../src/db/prisma';
import { createLogger } from '../../src/logger';
import { seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectNoErrors } from '../helpers/assertions';
import { separateCost, startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// Two gateway instances over one database and one Redis, as behind a load
// balancer: a client's cost budget and its sign-in attempts are one, whichever
// instance it reaches.

const REDIS_URL = process.env.TEST_REDIS_URL;
const PAGE = '{ products(first: 10) { nodes { id } } }';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken userErrors { code } } }';

if (!REDIS_URL) console.warn('TEST_REDIS_URL is unset: the budget shared by two gateway instances over Redis is skipped.');

(REDIS_URL ? describe : describe.skip)('two instances sharing Redis (TEST_REDIS_URL)', () => {
  const prefix = `storefront-test-${randomUUID()}:`;
  const env = {
    REDIS_URL: REDIS_URL!,
    RATE_LIMIT_REDIS_PREFIX: prefix,
    // 22 points refilled 1 per second: two 11-point pages from either instance empty it.
    RATE_LIMIT_POINTS: '22',
    RATE_LIMIT_RESTORE_RATE: '1',
    MAX_QUERY_COST: '22',
    SIGN_IN_ATTEMPTS_PER_ACCOUNT: '2',
    TRUST_PROXY: 'loopback',
  };
  let a: TestGateway;
  let b: Gateway;
  let bUrl: string;

  beforeAll(async () => {
    a = await startTestGateway({ seed: seedAccountsWithCatalog, env });
    // B shares A's database and Redis, not its process.
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env, DATABASE_URL: a.testDatabase.url });
    const database: Database = {
      prisma: a.prisma,
      statements: new StatementCounter(),
      embedded: a.testDatabase.embedded,
      description: 'instance A’s database, shared',
      close: async () => undefined,
    };
    b = await createGateway({ config, database, log: createLogger(config), payments: a.payments, expiryJob: false, domainEvents: false });
    bUrl = await b.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  async function viaB(query: string, variables: Record<string, unknown>, address: string): Promise<GraphQLResponse> {
    const response = await fetch(bUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, ...separateCost((await response.json()) as GraphQLResponse['body']) };
  }
  const viaA = (query: string, variables: Record<string, unknown>, address: string) => a.graphql(query, variables, { 'x-forwarded-for': address });
  const available = (response: GraphQLResponse) => response.cost!.throttleStatus!.currentlyAvailable;

  it('drains one budget from both instances', async () => {
    // given a client served once by A and once by B
    const first = await viaA(PAGE, {}, '198.51.100.50');
    expectNoErrors(first);
    expect(available(first)).toBe(11);
    const second = await viaB(PAGE, {}, '198.51.100.50');
    expectNoErrors(second);
    expect(available(second)).toBeLessThan(11);

    // when it comes back to A at once, then A knows the budget is spent
    const third = await viaA(PAGE, {}, '198.51.100.50');
    expect(third.status).toBe(429);
    expect(third.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('counts sign-in attempts at one account across both instances', async () => {
    const attempt = { input: { email: 'shared-attempts@example.com', password: 'wrong-password' } };
    expect((await viaA(LOGIN, attempt, '198.51.100.60')).body.data).toMatchObject({ login: { userErrors: [{ code: 'INVALID_CREDENTIALS' }] } });
    expect((await viaB(LOGIN, attempt, '198.51.100.61')).body.data).toMatchObject({ login: { userErrors: [{ code: 'INVALID_CREDENTIALS' }] } });
    const third = await viaA(LOGIN, attempt, '198.51.100.62');
    expect(third.status).toBe(429);
    expect(third.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
  });
});
