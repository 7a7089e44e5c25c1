import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { captureLog, type CapturedLog } from '../helpers/log-capture';
import { expectAccepted, expectNoErrors } from '../helpers/assertions';
import { Browser } from './browser';
import { closedPort, FORGED_CLIENT, FORGED_EMAIL, startForgingProvider, startSilentServer, type Forgery, type ForgingProvider } from './forging-provider';
import { COMPLETE, outcomeOf, rowCounts, type Outcome } from './sign-in-flow';

// Configured providers (OIDC_PROVIDERS) that lie or fail: a provider that
// signs ID tokens wrongly, one that is down, one that never answers, and one
// that goes down halfway. Every such sign-in ends on the return page with an
// error code and creates no account, identity, code or session.

let gateway: TestGateway;
let forging: ForgingProvider;
let flaky: ForgingProvider;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
let logs: CapturedLog;

function providerEnv(name: string, issuer: string): Record<string, string> {
  const prefix = `OIDC_${name.toUpperCase()}_`;
  return { [`${prefix}ISSUER`]: issuer, [`${prefix}CLIENT_ID`]: FORGED_CLIENT.id, [`${prefix}CLIENT_SECRET`]: FORGED_CLIENT.secret };
}

beforeAll(async () => {
  [forging, flaky, silent] = await Promise.all([startForgingProvider(), startForgingProvider(), startSilentServer()]);
  logs = captureLog('warn');
  gateway = await startTestGateway({
    log: logs.log,
    env: {
      OIDC_PROVIDERS: 'forged,flaky,down,silent',
      // Long enough for a busy test machine, short enough to wait for once.
      OIDC_TIMEOUT_MS: '3000',
      ...providerEnv('forged', forging.issuer),
      ...providerEnv('flaky', flaky.issuer),
      ...providerEnv('down', `http://127.0.0.1:${await closedPort()}`),
      ...providerEnv('silent', silent.url),
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([forging?.close(), flaky?.close(), silent?.close()]);
});

/** The whole flow with a provider that signs in without asking: start, and follow back to the return page. */
async function signIn(provider: string, browser = new Browser()): Promise<Outcome> {
  const end = await browser.navigate(`${gateway.origin}/auth/${provider}/start`, { stopAt: (next) => next.pathname === '/auth/complete' });
  if (end.status !== 0) throw new Error(`did not reach the return page: ${end.status} ${end.url.href}`);
  return outcomeOf(end.url);
}

describe('ID tokens that fail validation', () => {
  it.each<[Forgery, string, RegExp]>([
    ['foreign-key', 'invalid_response', /JWT signature verification failed/],
    ['unknown-key', 'invalid_response', /no applicable keys found/],
    ['wrong-audience', 'invalid_response', /"aud" \(audience\)/],
    ['wrong-nonce', 'invalid_response', /"nonce"/],
    ['expired', 'invalid_response', /"exp" \(expiration time\)/],
    ['wrong-issuer', 'invalid_response', /"iss" \(issuer\)/],
    ['unverified-email', 'email_not_verified', /did not confirm/],
  ])('an ID token with %s is refused (%s) and creates nothing', async (forgery, error, reason) => {
    // given a provider that forges exactly this
    forging.forgery = forgery;
    const before = await rowCounts(gateway);
    const tokenRequests = forging.tokenRequests;
    // when a browser signs in through it
    const outcome = await signIn('forged');
    // then the code was exchanged, and the answer refused for that very reason (logged, not shown)
    expect(forging.tokenRequests).toBe(tokenRequests + 1);
    expect(outcome).toEqual(expect.objectContaining({ code: null, error }));
    expect(logs.entries().filter((entry) => entry.msg === 'sign-in refused').at(-1)).toEqual(expect.objectContaining({ provider: 'forged', error, reason: expect.stringMatching(reason) }));
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('accepts the same provider when it tells the truth (the control)', async () => {
    // given the provider issuing a correct ID token
    forging.forgery = 'honest';
    const before = await rowCounts(gateway);
    // when a browser signs in through it
    const outcome = await signIn('forged');
    // then it gets a code that signs in as the provider's verified email
    expect(outcome.error).toBeNull();
    const response = await gateway.graphql(COMPLETE, { input: { code: outcome.code! } });
    expectNoErrors(response);
    expect(expectAccepted(response.body.data!.completeExternalSignIn).user!.email).toBe(FORGED_EMAIL);
    expect(await rowCounts(gateway)).toEqual({ users: before.users + 1, identities: before.identities + 1, codes: before.codes + 1, sessions: before.sessions + 1 });
  });

  it('refuses to link a second account of the same provider to one user (identity_conflict)', async () => {
    // given mallory's account, linked to another account of this provider than the one that signs in now
    forging.forgery = 'honest';
    await gateway.prisma.externalIdentity.updateMany({ where: { provider: 'forged', email: FORGED_EMAIL }, data: { subject: 'an-earlier-mallory' } });
    const before = await rowCounts(gateway);
    // when the provider's (other) account with the same verified email signs in
    const outcome = await signIn('forged');
    // then it is refused, and the existing link stays as it was
    expect(outcome).toEqual(expect.objectContaining({ code: null, error: 'identity_conflict' }));
    expect(await rowCounts(gateway)).toEqual(before);
    expect(await gateway.prisma.externalIdentity.findMany({ where: { provider: 'forged' }, select: { subject: true } })).toEqual([{ subject: 'an-earlier-mallory' }]);
  });

  it('refuses a callback whose code the provider does not know (provider_error)', async () => {
    forging.forgery = 'honest';
    const browser = new Browser();
    const callback = await browser.navigate(`${gateway.origin}/auth/forged/start`, { stopAt: (next) => next.pathname === '/auth/forged/callback' });
    callback.url.searchParams.set('code', 'a-code-the-provider-never-issued');
    const before = await rowCounts(gateway);
    const end = await browser.navigate(callback.url, { stopAt: (next) => next.pathname === '/auth/complete' });
    expect(end.url.searchParams.get('error')).toBe('provider_error');
    expect(await rowCounts(gateway)).toEqual(before);
  });
});

describe('a provider that cannot be reached', () => {
  it('sends the browser back with provider_unavailable when discovery fails, storing nothing', async () => {
    const attempts = await gateway.prisma.signInAttempt.count();
    const start = await new Browser().request(`${gateway.origin}/auth/down/start`);
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toBe(`${gateway.origin}/auth/complete?error=provider_unavailable`);
    expect(start.headers.getSetCookie()).toEqual([]);
    expect(await gateway.prisma.signInAttempt.count()).toBe(attempts);
  });

  it('gives up on a provider that never answers after OIDC_TIMEOUT_MS', async () => {
    const start = await new Browser().request(`${gateway.origin}/auth/silent/start`);
    expect(start.headers.get('location')).toBe(`${gateway.origin}/auth/complete?error=provider_unavailable`);
  });

  it('ends with provider_unavailable when the provider goes down between the redirect and the callback', async () => {
    // given a browser back from the provider, about to call the gateway's callback
    const browser = new Browser();
    const callback = await browser.navigate(`${gateway.origin}/auth/flaky/start`, { stopAt: (next) => next.pathname === '/auth/flaky/callback' });
    expect(callback.status).toBe(0);
    // when the provider goes down before the gateway exchanges the code
    await flaky.close();
    const before = await rowCounts(gateway);
    const end = await browser.navigate(callback.url, { stopAt: (next) => next.pathname === '/auth/complete' });
    // then the return page says so, and nothing was created
    expect(end.url.searchParams.get('error')).toBe('provider_unavailable');
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('shows a clear error on the completion page', async () => {
    const page = await new Browser().navigate(`${gateway.origin}/auth/down/start`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('The sign-in provider could not be reached');
    expect(page.body).toContain('<code id="error">provider_unavailable</code>');
  });
});
