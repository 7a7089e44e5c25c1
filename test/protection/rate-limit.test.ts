import type { ThrottleStatus } from '../../src/rate-limit/budget';
import { ACCOUNTS, DEMO_PASSWORD, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { expectNoErrors } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// Rate limits through HTTP, on small budgets set by the environment: the cost
// budget per client (user, else address) and the sign-in attempt limits. The
// gateway sits behind a "proxy" (TRUST_PROXY=loopback), so each test picks its
// client address with X-Forwarded-For.

/** 22 points, refilled 5 per second: two 11-point pages empty it. */
const LIMITS = {
  RATE_LIMIT_POINTS: '22',
  RATE_LIMIT_RESTORE_RATE: '5',
  MAX_QUERY_COST: '22',
  TRUST_PROXY: 'loopback',
  SIGN_IN_ATTEMPTS_PER_ACCOUNT: '3',
  SIGN_IN_ATTEMPTS_PER_ADDRESS: '5',
};
/** products 1 + 10 × product 1 = 11, and the fixture has the 10 products: actual 11 too. */
const PAGE = '{ products(first: 10) { nodes { id } } }';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken userErrors { code } } }';
const REGISTER = 'mutation Register($input: RegisterInput!) { register(input: $input) { accessToken userErrors { code } } }';
const REFRESH = 'mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { accessToken userErrors { code } } }';

interface Sent extends GraphQLResponse {
  statements: number;
}

async function send(gateway: TestGateway, address: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Sent> {
  const { result, statements } = await gateway.countStatements(() => gateway.graphql(query, variables, { 'x-forwarded-for': address, ...headers }));
  return { ...result, statements };
}

function throttleOf(response: GraphQLResponse): ThrottleStatus {
  return response.cost!.throttleStatus!;
}

/** Asserts a refusal by a rate limit: 429 with Retry-After, RATE_LIMITED with retryAfter, nothing run. Returns the seconds to wait. */
function expectRateLimited(response: Sent, maxSeconds: number): number {
  expect(response.status).toBe(429);
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
  const retryAfter = response.body.errors![0]!.extensions!.retryAfter as number;
  expect(Number(response.headers.get('retry-after'))).toBe(retryAfter);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(response.statements).toBe(0);
  return retryAfter;
}

describe('the cost budget', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: LIMITS });
  });
  afterAll(() => gateway?.close());

  it('empties, refuses with RATE_LIMITED and Retry-After without running anything, and refills', async () => {
    // given a client whose two pages took 11 points each
    const first = await send(gateway, '198.51.100.1', PAGE);
    expectNoErrors(first);
    expect(throttleOf(first)).toEqual({ maximumAvailable: 22, currentlyAvailable: 11, restoreRate: 5 });
    const second = await send(gateway, '198.51.100.1', PAGE);
    expectNoErrors(second);
    expect(throttleOf(second).currentlyAvailable).toBeLessThan(11);

    // when it asks for a third at once
    const third = await send(gateway, '198.51.100.1', PAGE);

    // then it is refused before anything ran, told to wait the time 11 points take to come back
    const retryAfter = expectRateLimited(third, 3);
    expect(third.cost).toMatchObject({ requestedQueryCost: 11, actualQueryCost: 0 });
    expect(throttleOf(third).currentlyAvailable).toBeLessThan(11);

    // and another client is not affected
    expectNoErrors(await send(gateway, '198.51.100.2', PAGE));

    // when it waits as told, its budget has refilled
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expectNoErrors(await send(gateway, '198.51.100.1', PAGE));
  });

  it('charges what the operation returned: a page that found little gives back the difference', async () => {
    // requested: 1 + 10 × 1 = 11; actual: no product matches, so only the connection: 1
    const response = await send(gateway, '198.51.100.3', '{ products(first: 10, filter: { search: "no such thing" }) { nodes { id } } }');
    expect(response.cost).toMatchObject({ requestedQueryCost: 11, actualQueryCost: 1 });
    // 22 − 11 taken up front + 10 given back (and whatever refilled meanwhile)
    expect(throttleOf(response).currentlyAvailable).toBeGreaterThanOrEqual(21);
  });

  it('gives a signed-in user a budget of their own, wherever they send from', async () => {
    // given an address whose anonymous budget is spent
    await send(gateway, '198.51.100.4', PAGE);
    await send(gateway, '198.51.100.4', PAGE);
    expectRateLimited(await send(gateway, '198.51.100.4', PAGE), 3);

    // when alice (signed in elsewhere) sends from that address, then her own budget pays
    const login = await send(gateway, '198.51.100.5', LOGIN, { input: { email: ACCOUNTS.alice.email, password: DEMO_PASSWORD } });
    const token = (login.body.data as { login: { accessToken: string } }).login.accessToken;
    const response = await send(gateway, '198.51.100.4', PAGE, undefined, { authorization: `Bearer ${token}` });
    expectNoErrors(response);
    expect(throttleOf(response).currentlyAvailable).toBe(11);
  });
});

describe('the client address without TRUST_PROXY', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedCatalogFixture, env: { ...LIMITS, TRUST_PROXY: 'false', RATE_LIMIT_RESTORE_RATE: '1' } });
  });
  afterAll(() => gateway?.close());

  it('is the connection\'s: X-Forwarded-For buys no fresh budget', async () => {
    // given a client that spent 11 points
    expectNoErrors(await send(gateway, '203.0.113.1', PAGE));

    // when it claims to be someone else, then it still spends the same budget
    const disguised = await send(gateway, '203.0.113.2', PAGE);
    expectNoErrors(disguised);
    expect(throttleOf(disguised).currentlyAvailable).toBeLessThan(11);
  });
});

describe('sign-in attempts (3 per account, 5 per address)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // A cost budget too large to matter here: only the attempt limits refuse.
    gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: { ...LIMITS, RATE_LIMIT_POINTS: '10000', MAX_QUERY_COST: '1000' } });
  });
  afterAll(() => gateway?.close());

  const login = (address: string, email: string, password: string) => send(gateway, address, LOGIN, { input: { email, password } });
  const codeOf = (response: Sent) => (response.body.data as { login: { userErrors: Array<{ code: string }> } } | undefined)?.login.userErrors[0]?.code;

  it('refuses a fourth attempt at one account from anywhere, even with the right password, without checking it', async () => {
    // given three wrong passwords for bob, from three addresses (the email in any case)
    expect(codeOf(await login('192.0.2.1', ACCOUNTS.bob.email, 'wrong-password'))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(await login('192.0.2.2', ACCOUNTS.bob.email, 'wrong-password'))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(await login('192.0.2.3', ` ${ACCOUNTS.bob.email.toUpperCase()}`, 'wrong-password'))).toBe('INVALID_CREDENTIALS');

    // when the right password comes from a fourth address, then it is refused for the window (15 minutes)
    expectRateLimited(await login('192.0.2.4', ACCOUNTS.bob.email, DEMO_PASSWORD), 900);
  });

  it('refuses a sixth attempt from one address, whatever the accounts, register included', async () => {
    for (let i = 1; i <= 5; i += 1) {
      expect(codeOf(await login('192.0.2.10', `nobody-${i}@example.com`, 'wrong-password'))).toBe('INVALID_CREDENTIALS');
    }
    const register = await send(gateway, '192.0.2.10', REGISTER, { input: { email: 'newcomer@example.com', password: 'long-enough-password', name: 'New' } });
    expectRateLimited(register, 900);
    expect(await gateway.prisma.user.count({ where: { email: 'newcomer@example.com' } })).toBe(0);
  });

  it('counts refreshSession per refresh token', async () => {
    const input = { refreshToken: 'a-refresh-token-that-was-never-issued' };
    for (const address of ['192.0.2.20', '192.0.2.21', '192.0.2.22']) {
      const response = await send(gateway, address, REFRESH, { input });
      expect(response.body.data).toMatchObject({ refreshSession: { userErrors: [{ code: 'INVALID_REFRESH_TOKEN' }] } });
    }
    expectRateLimited(await send(gateway, '192.0.2.23', REFRESH, { input }), 900);
  });

  it('counts every aliased sign-in of one request', async () => {
    // given four logins at one account in one request
    const attempts = [1, 2, 3, 4].map((i) => `a${i}: login(input: { email: "${ACCOUNTS.admin.email}", password: "wrong-password" }) { accessToken }`);

    // then the request is refused as a whole
    expectRateLimited(await send(gateway, '192.0.2.30', `mutation { ${attempts.join(' ')} }`), 900);
  });
});
