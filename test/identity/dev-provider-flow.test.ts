import { createHash } from 'node:crypto';
import type { IdentityErrorCode, LoginInput, UnlinkIdentityInput } from '../../src/generated/graphql';
import { ACCOUNTS, bearer, loginAs, seedAccounts } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, typedOperation, type TestGateway } from '../helpers/test-gateway';
import { Browser, formAction } from './browser';
import { callbackUrlFor, COMPLETE, rowCounts, signInWithDev, startSignIn, type SessionPayload } from './sign-in-flow';

// "Sign in with …" end to end against the development identity provider the
// gateway runs in-process: a browser (redirects followed by hand, cookies
// kept) goes to /auth/dev/start, picks who signs in on the provider's page,
// and comes back to the return page with a one-time code, which
// completeExternalSignIn exchanges for the same tokens as login.

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccounts });
});

afterAll(async () => {
  await gateway?.close();
});

const VIEWER = typedOperation<
  { viewer: { id: string; name: string; email: string; role: string; identities: Array<{ provider: string; email: string; createdAt: string }> } | null },
  Record<string, never>
>(`{ viewer { id name email role identities { provider email createdAt } } }`);

const LOGIN = typedOperation<{ login: SessionPayload }, { input: LoginInput }>(/* GraphQL */ `
  mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id email } userErrors { code message field } } }
`);

interface UnlinkPayload {
  user: { identities: Array<{ provider: string }> } | null;
  userErrors: Array<UserError<IdentityErrorCode>>;
}
const UNLINK = typedOperation<{ unlinkIdentity: UnlinkPayload }, { input: UnlinkIdentityInput }>(/* GraphQL */ `
  mutation Unlink($input: UnlinkIdentityInput!) { unlinkIdentity(input: $input) { user { identities { provider } } userErrors { code message field } } }
`);

async function complete(code: string): Promise<SessionPayload> {
  const response = await gateway.graphql(COMPLETE, { input: { code } });
  expectNoErrors(response);
  return response.body.data!.completeExternalSignIn;
}

async function viewerWith(accessToken: string) {
  const response = await gateway.graphql(VIEWER, {}, bearer(accessToken));
  expectNoErrors(response);
  return response.body.data!.viewer!;
}

describe('signing in through the development provider', () => {
  it('creates a customer account without a password for a new verified email, and the tokens work on viewer', async () => {
    // given a browser and the rows before
    const browser = new Browser();
    const before = await rowCounts(gateway);

    // when it starts a sign-in
    const start = await browser.request(`${gateway.origin}/auth/dev/start`);
    // then it is sent to the provider with the code flow, PKCE S256, state and nonce, and holds the state in a cookie
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).not.toBe(gateway.origin);
    expect(Object.fromEntries(authorize.searchParams)).toEqual(
      expect.objectContaining({
        response_type: 'code',
        scope: 'openid email profile',
        code_challenge_method: 'S256',
        redirect_uri: `${gateway.origin}/auth/dev/callback`,
        state: expect.stringMatching(/^[\w-]{43}$/),
        nonce: expect.stringMatching(/^[\w-]{43}$/),
        code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      }),
    );
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith('sg_signin_dev='))!;
    expect(cookie).toBe(`sg_signin_dev=${authorize.searchParams.get('state')}; Path=/auth/dev/callback; Max-Age=600; HttpOnly; SameSite=Lax`);

    // when it follows to the provider's page and signs in with an email nobody uses
    const page = await browser.navigate(authorize);
    expect(page.body).toContain('Development identity provider');
    for (const account of Object.values(ACCOUNTS)) expect(page.body).toContain(account.email);
    const end = await browser.navigate(formAction(page, '/login'), {
      form: { email: 'New.Shopper@Example.com', name: 'New Shopper', email_verified: 'true' },
      stopAt: (next) => next.pathname === '/auth/complete',
    });

    // then it is back on the completion page with a one-time code and nothing else
    expect(end.url.origin + end.url.pathname).toBe(`${gateway.origin}/auth/complete`);
    const code = end.url.searchParams.get('code')!;
    expect([...end.url.searchParams.keys()]).toEqual(['code']);
    expect(code).toMatch(/^[\w-]{43}$/);
    // and one account, one identity and one code (stored as its hash) were created, no session yet
    expect(await rowCounts(gateway)).toEqual({ ...before, users: before.users + 1, identities: before.identities + 1, codes: before.codes + 1 });
    const stored = await gateway.prisma.signInCode.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(stored.codeHash).toBe(createHash('sha256').update(code).digest('hex'));
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(60_000);
    const user = await gateway.prisma.user.findUniqueOrThrow({ where: { email: 'new.shopper@example.com' } });
    expect(user).toEqual(expect.objectContaining({ name: 'New Shopper', role: 'CUSTOMER', passwordHash: null }));

    // when the code is exchanged
    const session = await complete(code);
    // then it gives the same tokens as login, which work on viewer
    expectAccepted(session);
    expect(session.user?.email).toBe('new.shopper@example.com');
    const viewer = await viewerWith(session.accessToken!);
    expect(viewer).toEqual({
      id: session.user!.id,
      name: 'New Shopper',
      email: 'new.shopper@example.com',
      role: 'CUSTOMER',
      identities: [{ provider: 'dev', email: 'new.shopper@example.com', createdAt: expect.any(String) }],
    });
    // and the refresh token refreshes like any other
    const refreshed = await gateway.graphql(
      'mutation ($t: String!) { refreshSession(input: { refreshToken: $t }) { accessToken userErrors { code } } }',
      { t: session.refreshToken },
    );
    expect(refreshed.body.data).toEqual({ refreshSession: { accessToken: expect.any(String), userErrors: [] } });
  });

  it('links to the existing account whose email the provider verified (alice), creating no account', async () => {
    // given alice's account, with a password and no identity
    const alice = await loginAs(gateway, ACCOUNTS.alice.email);
    const before = await rowCounts(gateway);

    // when she signs in through the provider with her demo button
    const outcome = await signInWithDev(gateway, new Browser(), { demo: ACCOUNTS.alice.email });

    // then the identity is linked to her account: one identity, no new user
    expect(outcome.error).toBeNull();
    expect(await rowCounts(gateway)).toEqual({ ...before, identities: before.identities + 1, codes: before.codes + 1 });
    const session = await complete(outcome.code!);
    expect(session.user?.id).toBe(alice.userId);
    expect((await viewerWith(session.accessToken!)).identities).toEqual([{ provider: 'dev', email: ACCOUNTS.alice.email, createdAt: expect.any(String) }]);

    // and a second sign-in with the same identity reaches the same account without linking again
    const again = await signInWithDev(gateway, new Browser(), { demo: ACCOUNTS.alice.email });
    expect((await complete(again.code!)).user?.id).toBe(alice.userId);
    expect(await gateway.prisma.externalIdentity.count({ where: { user: { email: ACCOUNTS.alice.email } } })).toBe(1);
    // and her password still works
    await loginAs(gateway, ACCOUNTS.alice.email);
  });

  it.each([
    ['a new email', 'unverified.newcomer@example.com'],
    ["an existing account's email (bob)", ACCOUNTS.bob.email],
  ])('refuses %s the provider did not verify, and creates or links nothing', async (_, email) => {
    // given the rows before
    const before = await rowCounts(gateway);
    // when someone signs in with an email the provider reports as unverified
    const outcome = await signInWithDev(gateway, new Browser(), { email, verified: false });
    // then the return page gets error=email_not_verified and no code
    expect(outcome).toEqual(expect.objectContaining({ code: null, error: 'email_not_verified' }));
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('asks who signs in every time, so the same browser can switch accounts', async () => {
    // given a browser that signed in as alice (the provider now has a session for it)
    const browser = new Browser();
    const alice = await signInWithDev(gateway, browser, { demo: ACCOUNTS.alice.email });
    // when it signs in again, as bob
    const bob = await signInWithDev(gateway, browser, { demo: ACCOUNTS.bob.email });
    // then it was shown the sign-in page again, and each code signs in as whom it was chosen for
    expect((await complete(alice.code!)).user?.email).toBe(ACCOUNTS.alice.email);
    expect((await complete(bob.code!)).user?.email).toBe(ACCOUNTS.bob.email);
  });

  it('ends with access_denied when the person cancels at the provider, creating nothing', async () => {
    const before = await rowCounts(gateway);
    const browser = new Browser();
    // given the provider's sign-in page
    const page = await startSignIn(gateway, browser);
    // when the person cancels there
    const end = await browser.navigate(formAction(page, '/abort'), { form: {}, stopAt: (next) => next.pathname === '/auth/complete' });
    // then the return page says access_denied
    expect(end.url.searchParams.get('error')).toBe('access_denied');
    expect(end.url.searchParams.get('code')).toBeNull();
    expect(await rowCounts(gateway)).toEqual(before);
  });
});

describe('the one-time sign-in code', () => {
  it('works once: a replayed code is refused and starts no second session', async () => {
    // given a code that was exchanged once
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'replay@example.com' });
    expectAccepted(await complete(outcome.code!));
    const before = await rowCounts(gateway);
    // when it is presented again
    const replayed = await complete(outcome.code!);
    // then it is refused as unknown or used, and no session was started
    expectUserError(replayed, 'SIGN_IN_CODE_INVALID', ['input', 'code']);
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('expires after 60 seconds', async () => {
    // given a code whose 60 seconds are over (its expiry moved into the past, as the clock would)
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'too.late@example.com' });
    await gateway.prisma.signInCode.updateMany({ where: { usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await rowCounts(gateway);
    // when it is exchanged
    const late = await complete(outcome.code!);
    // then it is refused as expired, and no session was started
    expectUserError(late, 'SIGN_IN_CODE_EXPIRED', ['input', 'code']);
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('refuses a code that was never issued', async () => {
    expectUserError(await complete('not-a-code'), 'SIGN_IN_CODE_INVALID', ['input', 'code']);
  });
});

describe('the state', () => {
  it('refuses a forged state at the callback, creating nothing', async () => {
    // given a callback URL the provider sent a browser to
    const browser = new Browser();
    const callback = await callbackUrlFor(gateway, browser, { email: 'forged.state@example.com' });
    const before = await rowCounts(gateway);
    // when its state is replaced by another value
    callback.searchParams.set('state', 'A'.repeat(43));
    const end = await browser.navigate(callback, { stopAt: (next) => next.pathname === '/auth/complete' });
    // then the gateway's completion page says invalid_state
    expect(end.url.searchParams.get('error')).toBe('invalid_state');
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('refuses a callback without a state', async () => {
    const browser = new Browser();
    const callback = await callbackUrlFor(gateway, browser, { email: 'no.state@example.com' });
    callback.searchParams.delete('state');
    const before = await rowCounts(gateway);
    const end = await browser.navigate(callback, { stopAt: (next) => next.pathname === '/auth/complete' });
    expect(end.url.searchParams.get('error')).toBe('invalid_state');
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('refuses a genuine callback opened in another browser (no login CSRF)', async () => {
    // given an attacker's genuine callback URL (their own account at the provider)
    const callback = await callbackUrlFor(gateway, new Browser(), { email: 'attacker@example.com' });
    const before = await rowCounts(gateway);
    // when a victim's browser, which never started that sign-in, opens it
    const end = await new Browser().navigate(callback, { stopAt: (next) => next.pathname === '/auth/complete' });
    // then it is refused: the state is not that browser's
    expect(end.url.searchParams.get('error')).toBe('invalid_state');
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('works once: the same callback (state and cookie) replayed is refused', async () => {
    // given a callback that completed
    const browser = new Browser();
    const callback = await callbackUrlFor(gateway, browser, { email: 'callback.replay@example.com' });
    const cookie = browser.cookiesFor(callback).map(({ name, value }) => `${name}=${value}`).join('; ');
    const first = await browser.navigate(callback, { stopAt: (next) => next.pathname === '/auth/complete' });
    expect(first.url.searchParams.get('code')).toEqual(expect.any(String));
    const before = await rowCounts(gateway);
    // when the same request, cookie included, is sent again
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie } });
    // then the attempt is gone: invalid_state
    expect(new URL(replay.headers.get('location')!).searchParams.get('error')).toBe('invalid_state');
    expect(await rowCounts(gateway)).toEqual(before);
  });

  it('refuses a sign-in whose attempt expired (10 minutes) before the provider came back', async () => {
    const browser = new Browser();
    const callback = await callbackUrlFor(gateway, browser, { email: 'slow.person@example.com' });
    await gateway.prisma.signInAttempt.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await rowCounts(gateway);
    const end = await browser.navigate(callback, { stopAt: (next) => next.pathname === '/auth/complete' });
    expect(end.url.searchParams.get('error')).toBe('invalid_state');
    expect(await rowCounts(gateway)).toEqual(before);
  });
});

describe('returnTo', () => {
  it.each([
    ['another site', 'https://evil.example/auth/complete'],
    ['a protocol-relative URL', '//evil.example/auth/complete'],
    ['a backslash trick', '/\\evil.example/auth/complete'],
    ['another path of the gateway', '/graphql'],
    ['a fragment', '/auth/complete#x'],
    ['a javascript: URL', 'javascript:alert(1)'],
  ])('refuses %s before anything is stored', async (_, returnTo) => {
    const attempts = await gateway.prisma.signInAttempt.count();
    const start = await new Browser().request(`${gateway.origin}/auth/dev/start?returnTo=${encodeURIComponent(returnTo)}`);
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toBe(`${gateway.origin}/auth/complete?error=return_to_not_allowed`);
    expect(start.headers.getSetCookie()).toEqual([]);
    expect(await gateway.prisma.signInAttempt.count()).toBe(attempts);
  });

  it('accepts the completion page given as a path or a URL, keeping its query', async () => {
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'with.query@example.com' }, { query: `?returnTo=${encodeURIComponent('/auth/complete?lang=en')}` });
    expect(outcome.returnUrl.searchParams.get('lang')).toBe('en');
    expect(outcome.code).toEqual(expect.any(String));
  });
});

describe('the completion page', () => {
  it('shows the code, with a policy that allows only its own script and keeps the URL out of referers', async () => {
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'page.reader@example.com' });
    const page = await fetch(outcome.returnUrl);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(`<code id="code">${outcome.code}</code>`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    expect(page.headers.get('content-security-policy')).toContain(`script-src 'nonce-${nonce}'`);
  });

  it('explains an error code and escapes what it does not know', async () => {
    const known = await (await fetch(`${gateway.origin}/auth/complete?error=email_not_verified`)).text();
    expect(known).toContain('did not confirm that your email address is verified');
    const unknown = await (await fetch(`${gateway.origin}/auth/complete?error=${encodeURIComponent('<script>x</script>')}`)).text();
    expect(unknown).not.toContain('<script>x</script>');
    expect(unknown).toContain('<code id="error">server_error</code>');
  });

  it('sends an unknown provider there with error=unknown_provider', async () => {
    const start = await new Browser().request(`${gateway.origin}/auth/nowhere/start`);
    expect(start.headers.get('location')).toBe(`${gateway.origin}/auth/complete?error=unknown_provider`);
  });
});

describe('accounts without a password', () => {
  it('login with a password says the account has none; other accounts still get the same answer whether they exist or not', async () => {
    // given an account created through the provider
    await signInWithDev(gateway, new Browser(), { email: 'no.password@example.com' });
    // when someone logs in to it with a password
    const response = await gateway.graphql(LOGIN, { input: { email: 'no.password@example.com', password: 'any-password-at-all' } });
    // then they are told it has no password
    expectUserError(response.body.data!.login, 'PASSWORD_NOT_SET', ['input', 'password']);
    // and a wrong password and a missing account still read the same
    const wrong = await gateway.graphql(LOGIN, { input: { email: ACCOUNTS.bob.email, password: 'wrong-password' } });
    const missing = await gateway.graphql(LOGIN, { input: { email: 'nobody.at.all@example.com', password: 'wrong-password' } });
    expect(wrong.body.data!.login.userErrors).toEqual(missing.body.data!.login.userErrors);
    expect(wrong.body.data!.login.userErrors[0]?.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses to unlink the only identity of an account without a password', async () => {
    // given an account whose only way in is its dev identity
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'only.way.in@example.com' });
    const session = await complete(outcome.code!);
    // when it unlinks that identity
    const response = await gateway.graphql(UNLINK, { input: { provider: 'dev' } }, bearer(session.accessToken!));
    // then it is refused and the identity stays
    expectUserError(response.body.data!.unlinkIdentity, 'LAST_SIGN_IN_METHOD', ['input', 'provider']);
    expect((await viewerWith(session.accessToken!)).identities).toHaveLength(1);
  });

  it('unlinks an identity from an account that has a password (bob), once', async () => {
    // given bob, signed in with his password, with a linked dev identity
    await signInWithDev(gateway, new Browser(), { demo: ACCOUNTS.bob.email });
    const bob = await loginAs(gateway, ACCOUNTS.bob.email);
    // when he unlinks it
    const response = await gateway.graphql(UNLINK, { input: { provider: 'dev' } }, bearer(bob.accessToken));
    // then it is gone
    expect(expectAccepted(response.body.data!.unlinkIdentity).user!.identities).toEqual([]);
    // and unlinking again says there is none
    const again = await gateway.graphql(UNLINK, { input: { provider: 'dev' } }, bearer(bob.accessToken));
    expectUserError(again.body.data!.unlinkIdentity, 'IDENTITY_NOT_FOUND', ['input', 'provider']);
  });

  it('refuses unlinkIdentity to an anonymous caller', async () => {
    const response = await gateway.graphql(UNLINK, { input: { provider: 'dev' } });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('User.identities', () => {
  it.each([
    ['alice herself', 'alice', null],
    ['staff', 'staff', null],
    ['an admin', 'admin', null],
    ['another customer (bob)', 'bob', 'FORBIDDEN'],
    ['an anonymous caller', null, 'UNAUTHENTICATED'],
  ] as const)('of alice, read by %s', async (_, who, denied) => {
    // given alice with a linked identity
    await signInWithDev(gateway, new Browser(), { demo: ACCOUNTS.alice.email });
    const aliceId = (await loginAs(gateway, ACCOUNTS.alice.email)).userId;
    const headers = who ? bearer((await loginAs(gateway, ACCOUNTS[who].email)).accessToken) : {};
    // when her identities are read through node(id)
    const response = await gateway.graphql<{ node: { id: string; name: string; identities: Array<{ provider: string }> | null } }>(
      'query ($id: ID!) { node(id: $id) { id ... on User { name identities { provider } } } }',
      { id: aliceId },
      headers,
    );
    // then the user themself and staff see them; anyone else gets null with the code, the rest intact
    const identities = denied ? null : [{ provider: 'dev' }];
    expect(response.body.data).toEqual({ node: { id: aliceId, name: ACCOUNTS.alice.name, identities } });
    expect((response.body.errors ?? []).map((error) => [error.extensions?.code, error.path])).toEqual(denied ? [[denied, ['node', 'identities']]] : []);
  });
});
