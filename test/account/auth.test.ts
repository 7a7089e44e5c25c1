import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { toGlobalId } from '../../src/graphql/global-id';
import type { AccountErrorCode, Role, SetUserRoleInput } from '../../src/generated/graphql';
import { ACCOUNTS, bearer, DEMO_PASSWORD, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectBadUserInput, expectCode, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { errorCodes, startTestGateway, typedOperation, type TestGateway } from '../helpers/test-gateway';

interface AuthPayload {
  accessToken: string | null;
  refreshToken: string | null;
  user: { id: string; name: string; email: string | null; role: string | null; createdAt: string | null } | null;
  userErrors: Array<UserError<AccountErrorCode>>;
}

const AUTH_FIELDS = 'accessToken refreshToken user { id name email role createdAt } userErrors { code message field }';
const REGISTER = `mutation Register($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;
const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) { ${AUTH_FIELDS} } }`;
const LOGOUT = 'mutation Logout($input: LogoutInput!) { logout(input: $input) { revoked userErrors { code message field } } }';
const SET_ROLE = typedOperation<
  { setUserRole: { user: { id: string; email: string | null; role: Role | null } | null; userErrors: Array<UserError<AccountErrorCode>> } },
  { input: SetUserRoleInput }
>(`mutation SetRole($input: SetUserRoleInput!) {
  setUserRole(input: $input) { user { id email role } userErrors { code message field } }
}`);
const VIEWER = '{ viewer { id name email role } }';

const FAILED = { accessToken: null, refreshToken: null, user: null };

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
});
afterAll(() => gateway?.close());

async function register(input: { email: string; password: string; name: string }) {
  return gateway.graphql<{ register: AuthPayload }>(REGISTER, { input });
}
async function login(email: string, password: string) {
  return gateway.graphql<{ login: AuthPayload }>(LOGIN, { input: { email, password } });
}
async function refresh(refreshToken: string) {
  return gateway.graphql<{ refreshSession: AuthPayload }>(REFRESH, { input: { refreshToken } });
}
async function logout(refreshToken: string) {
  return gateway.graphql<{ logout: { revoked: boolean; userErrors: Array<UserError<AccountErrorCode>> } }>(LOGOUT, { input: { refreshToken } });
}
function sha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
async function familyOf(refreshToken: string) {
  const row = await gateway.prisma.refreshToken.findUniqueOrThrow({ where: { tokenHash: sha256(refreshToken) } });
  return gateway.prisma.refreshToken.findMany({ where: { familyId: row.familyId }, orderBy: { id: 'asc' } });
}

describe('register', () => {
  it('normalises the email, signs the new customer in, and lets it read itself in the same payload', async () => {
    // when someone signs up with a padded, mixed-case email
    const response = await register({ email: ' Alice2@Example.COM ', password: 'correct horse', name: '  Alice Two ' });

    // then the account is a CUSTOMER with the normalised email and trimmed name, signed in at once
    expect(errorCodes(response)).toEqual([]);
    const payload = response.body.data!.register;
    expect(payload.userErrors).toEqual([]);
    expect(payload.accessToken).toEqual(expect.any(String));
    expect(payload.refreshToken).toEqual(expect.any(String));
    expect(payload.user).toEqual({
      id: expect.any(String),
      name: 'Alice Two',
      email: 'alice2@example.com',
      role: 'CUSTOMER',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const row = await gateway.prisma.user.findUniqueOrThrow({ where: { email: 'alice2@example.com' } });
    expect(row.role).toBe('CUSTOMER');
    expect(row.passwordHash).not.toContain('correct horse');
    expect(payload.user?.id).toBe(toGlobalId('User', row.id));

    // and the access token works for viewer, the refresh token is stored (hashed) for that user
    const viewer = await gateway.graphql(VIEWER, {}, bearer(payload.accessToken!));
    expect(viewer.body).toEqual({ data: { viewer: { id: payload.user?.id, name: 'Alice Two', email: 'alice2@example.com', role: 'CUSTOMER' } } });
    const stored = await gateway.prisma.refreshToken.findUniqueOrThrow({ where: { tokenHash: sha256(payload.refreshToken!) } });
    expect(stored.userId).toBe(row.id);

    // and the password it chose signs it in, whatever the case of the email
    const again = await login('ALICE2@example.com', 'correct horse');
    expect(again.body.data?.login.user?.email).toBe('alice2@example.com');
  });

  it('accepts the limits themselves: an 8- and a 128-character password, a 100-character name', async () => {
    const short = await register({ email: 'limits8@example.com', password: 'p'.repeat(8), name: 'n'.repeat(100) });
    const long = await register({ email: 'limits128@example.com', password: 'p'.repeat(128), name: 'N' });

    expect(short.body.data?.register.userErrors).toEqual([]);
    expect(short.body.data?.register.user?.name).toBe('n'.repeat(100));
    expect(long.body.data?.register.userErrors).toEqual([]);
    expect((await login('limits128@example.com', 'p'.repeat(128))).body.data?.login.userErrors).toEqual([]);
  });

  const GOOD = { email: 'newcomer@example.com', password: 'long-enough', name: 'Newcomer' };
  const BAD_INPUTS: Array<{ case: string; input: Partial<typeof GOOD>; code: AccountErrorCode; field: string }> = [
    { case: 'email "x"', input: { email: 'x' }, code: 'INVALID_EMAIL', field: 'email' },
    { case: 'email "a@b" (no dot in the domain)', input: { email: 'a@b' }, code: 'INVALID_EMAIL', field: 'email' },
    { case: 'email of 300 characters', input: { email: `${'a'.repeat(288)}@example.com` }, code: 'INVALID_EMAIL', field: 'email' },
    { case: 'email with a space', input: { email: 'new comer@example.com' }, code: 'INVALID_EMAIL', field: 'email' },
    { case: 'password of 7 characters', input: { password: 'p'.repeat(7) }, code: 'PASSWORD_TOO_SHORT', field: 'password' },
    { case: 'password of 129 characters', input: { password: 'p'.repeat(129) }, code: 'PASSWORD_TOO_LONG', field: 'password' },
    { case: 'empty name', input: { name: '' }, code: 'NAME_REQUIRED', field: 'name' },
    { case: 'whitespace name', input: { name: ' \t  ' }, code: 'NAME_REQUIRED', field: 'name' },
    { case: 'name of 101 characters', input: { name: 'n'.repeat(101) }, code: 'NAME_TOO_LONG', field: 'name' },
    { case: 'an existing email', input: { email: ACCOUNTS.alice.email }, code: 'EMAIL_TAKEN', field: 'email' },
    { case: 'an existing email in another case', input: { email: ' ALICE@Example.com' }, code: 'EMAIL_TAKEN', field: 'email' },
  ];

  it.each(BAD_INPUTS)('refuses $case with $code at input.$field and creates no user', async ({ input, code, field }) => {
    // given the number of users
    const before = await gateway.prisma.user.count();
    const tokensBefore = await gateway.prisma.refreshToken.count();

    // when someone signs up with one bad value
    const response = await register({ ...GOOD, ...input });

    // then it is a user error naming the input field, not a GraphQL error, and nothing was written
    expectNoErrors(response);
    expectUserError(response.body.data?.register, code, ['input', field]);
    expect(await gateway.prisma.user.count()).toBe(before);
    expect(await gateway.prisma.refreshToken.count()).toBe(tokensBefore);
    expect(await gateway.prisma.user.findUnique({ where: { email: GOOD.email } })).toBeNull();
  });

  it('leaves the existing account alone when its email is taken again', async () => {
    const before = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.bob.email } });
    await register({ email: 'BOB@example.com', password: 'another-password', name: 'Impostor' });
    const after = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.bob.email } });
    expect(after).toEqual(before);
    expect((await login(ACCOUNTS.bob.email, 'another-password')).body.data?.login.userErrors[0]?.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('login', () => {
  it.each(Object.values(ACCOUNTS))('signs in $email ($role) with the demo password', async (account) => {
    // when a demo account signs in
    const response = await login(account.email, DEMO_PASSWORD);

    // then it gets both tokens and itself, role included
    const payload = response.body.data!.login;
    expect(errorCodes(response)).toEqual([]);
    expect(payload.userErrors).toEqual([]);
    expect(payload.accessToken).toEqual(expect.any(String));
    expect(payload.refreshToken).toEqual(expect.any(String));
    expect(payload.user).toEqual(expect.objectContaining({ name: account.name, email: account.email, role: account.role }));
    // and the access token names it
    const viewer = await gateway.graphql<{ viewer: { email: string; role: string } }>(VIEWER, {}, bearer(payload.accessToken!));
    expect(viewer.body.data?.viewer).toEqual(expect.objectContaining({ email: account.email, role: account.role }));
  });

  it('does not make the rest of the request act as the user who just signed in', async () => {
    // when an anonymous request signs in and, in the same document, reads the viewer and a staff-only list
    const response = await gateway.graphql<{ login: { user: { email: string } | null }; viewer: unknown; users: unknown }>(
      `mutation SignInThenAct($input: LoginInput!) {
        login(input: $input) { user { email } }
        setUserRole(input: { userId: "VXNlcjox", role: ADMIN }) { user { id } }
      }`,
      { input: { email: ACCOUNTS.admin.email, password: DEMO_PASSWORD } },
    );

    // then the payload shows the signed-in user's own email, but the next mutation still runs anonymously
    expect(response.body.data).toBeNull();
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.path).toEqual(['setUserRole']);
    const alone = await login(ACCOUNTS.admin.email, DEMO_PASSWORD);
    expect(alone.body.data?.login.user).toEqual(expect.objectContaining({ email: ACCOUNTS.admin.email }));
  });

  it('gives a wrong password and an unknown email the very same user error', async () => {
    // when one attempt has a wrong password and the other an email nobody has
    const tokensBefore = await gateway.prisma.refreshToken.count();
    const wrongPassword = await login(ACCOUNTS.alice.email, 'not-the-password');
    const unknownEmail = await login('nobody@example.com', DEMO_PASSWORD);

    // then both fail identically: same code, message and field, no tokens, no user
    const expected = { ...FAILED, userErrors: [{ code: 'INVALID_CREDENTIALS', message: expect.any(String), field: null }] };
    expect(wrongPassword.body).toEqual({ data: { login: expected } });
    expect(unknownEmail.body).toEqual({ data: { login: expected } });
    expect(unknownEmail.body.data?.login.userErrors).toEqual(wrongPassword.body.data?.login.userErrors);
    expect(await gateway.prisma.refreshToken.count()).toBe(tokensBefore);
  });

  it('treats a 10,000-character password as wrong credentials, not a fault', async () => {
    const response = await login(ACCOUNTS.alice.email, 'x'.repeat(10_000));
    const withPrefix = await login(ACCOUNTS.alice.email, DEMO_PASSWORD + 'x'.repeat(9_000));

    expectNoErrors(response);
    expectUserError(response.body.data?.login, 'INVALID_CREDENTIALS');
    expect(withPrefix.body.data?.login.userErrors.map((e) => e.code)).toEqual(['INVALID_CREDENTIALS']);
  });

  it('matches the email case-insensitively and without surrounding spaces', async () => {
    const response = await login('  Alice@EXAMPLE.com ', DEMO_PASSWORD);
    expect(response.body.data?.login.user?.email).toBe(ACCOUNTS.alice.email);
  });
});

describe('refreshSession', () => {
  it('rotates; reusing a retired token revokes its whole family and no other session', async () => {
    // given alice signed in twice: two sessions (families)
    const first = await loginAs(gateway, ACCOUNTS.alice.email);
    const other = await loginAs(gateway, ACCOUNTS.alice.email);

    // when the first session is refreshed
    const rotated = await refresh(first.refreshToken);

    // then a new refresh token replaces the old one, with a working access token for the same user
    const next = rotated.body.data!.refreshSession;
    expect(next.userErrors).toEqual([]);
    expect(next.user).toEqual(expect.objectContaining({ id: first.userId, email: ACCOUNTS.alice.email, role: 'CUSTOMER' }));
    expect(next.refreshToken).toEqual(expect.any(String));
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.accessToken).toEqual(expect.any(String));
    expect(decodeJwt(next.accessToken!).sub).toBe(decodeJwt(first.accessToken).sub);
    expect(decodeJwt(next.accessToken!).iat).toBeGreaterThanOrEqual(decodeJwt(first.accessToken).iat!);
    const viewer = await gateway.graphql<{ viewer: { id: string } }>(VIEWER, {}, bearer(next.accessToken!));
    expect(viewer.body.data?.viewer.id).toBe(first.userId);
    const family = await familyOf(first.refreshToken);
    expect(family).toHaveLength(2);
    expect(family[0]?.replacedAt).toBeInstanceOf(Date);
    expect(family.every((row) => row.revokedAt === null)).toBe(true);

    // when the retired token is presented again
    const reused = await refresh(first.refreshToken);

    // then it is refused as reused, and every token of the family is revoked in the database
    expectUserError(reused.body.data?.refreshSession, 'REFRESH_TOKEN_REUSED', ['input', 'refreshToken']);
    const revoked = await familyOf(first.refreshToken);
    expect(revoked).toHaveLength(2);
    expect(revoked.every((row) => row.revokedAt instanceof Date)).toBe(true);

    // and the newest token of that family, never used, no longer works either
    const newest = await refresh(next.refreshToken!);
    expectUserError(newest.body.data?.refreshSession, 'INVALID_REFRESH_TOKEN', ['input', 'refreshToken']);
    // and neither does the reused one, a second time
    expect((await refresh(first.refreshToken)).body.data?.refreshSession.userErrors.map((e) => e.code)).toEqual(['INVALID_REFRESH_TOKEN']);
    expect(await familyOf(first.refreshToken)).toHaveLength(2);

    // while the other session was not touched, and still refreshes
    const untouched = await familyOf(other.refreshToken);
    expect(untouched.every((row) => row.revokedAt === null)).toBe(true);
    const otherRefresh = await refresh(other.refreshToken);
    expect(otherRefresh.body.data?.refreshSession.userErrors).toEqual([]);
    expect(otherRefresh.body.data?.refreshSession.refreshToken).toEqual(expect.any(String));
  });

  it('ends the whole session when one token is refreshed several times at once: no successor survives', async () => {
    // The winner of the race retires the token and then inserts its successor; a loser, seeing the
    // token retired, revokes the family. On a real server the loser's revocation can land between
    // the two, so a trigger delays inserts of refresh tokens a little to make that interleaving sure.
    // (The embedded database runs one statement at a time, so there the trigger only slows things.)
    const delayInserts = !gateway.testDatabase.embedded;
    if (delayInserts) {
      await gateway.prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_slow_refresh_insert() RETURNS trigger AS $$
        BEGIN PERFORM pg_sleep(0.25); RETURN NEW; END $$ LANGUAGE plpgsql`);
      await gateway.prisma.$executeRawUnsafe(`CREATE TRIGGER test_slow_refresh_insert BEFORE INSERT ON "RefreshToken"
        FOR EACH ROW EXECUTE FUNCTION test_slow_refresh_insert()`);
    }
    try {
      for (let round = 0; round < 3; round++) {
        // given a session, when its refresh token is presented four times at once
        const session = await loginAs(gateway, ACCOUNTS.alice.email);
        const responses = await Promise.all([1, 2, 3, 4].map(() => refresh(session.refreshToken)));
        const payloads = responses.map((response) => response.body.data!.refreshSession);

        // then one wins, and the others are refused: at least one as a reuse (which ends the session),
        // those arriving after that as an invalid (revoked) token
        const winners = payloads.filter((payload) => payload.userErrors.length === 0);
        expect(winners).toHaveLength(1);
        const refusals = payloads.flatMap((payload) => payload.userErrors.map((error) => error.code));
        expect(refusals).toHaveLength(3);
        expect(refusals).toContain('REFRESH_TOKEN_REUSED');
        expect(refusals.every((code) => code === 'REFRESH_TOKEN_REUSED' || code === 'INVALID_REFRESH_TOKEN')).toBe(true);
        // and the session really is ended: every token of the family is revoked, the winner's successor included
        const family = await familyOf(session.refreshToken);
        expect(family).toHaveLength(2);
        expect(family.filter((row) => row.revokedAt === null).map((row) => row.id)).toEqual([]);
        const successor = await refresh(winners[0]!.refreshToken!);
        expect(successor.body.data?.refreshSession.userErrors.map((error) => error.code)).toEqual(['INVALID_REFRESH_TOKEN']);
      }
    } finally {
      if (delayInserts) {
        await gateway.prisma.$executeRawUnsafe('DROP TRIGGER IF EXISTS test_slow_refresh_insert ON "RefreshToken"');
        await gateway.prisma.$executeRawUnsafe('DROP FUNCTION IF EXISTS test_slow_refresh_insert()');
      }
    }
  });

  it.each([
    { case: 'garbage', token: 'garbage' },
    { case: 'an empty string', token: '' },
    { case: 'a 10,000-character string', token: 'x'.repeat(10_000) },
  ])('refuses $case as INVALID_REFRESH_TOKEN and issues nothing', async ({ token }) => {
    const before = await gateway.prisma.refreshToken.count();
    const response = await refresh(token);
    expectNoErrors(response);
    expectUserError(response.body.data?.refreshSession, 'INVALID_REFRESH_TOKEN', ['input', 'refreshToken']);
    expect(await gateway.prisma.refreshToken.count()).toBe(before);
  });

  it('stores refresh tokens only hashed', async () => {
    // given a few sessions
    const sessions = [await loginAs(gateway, ACCOUNTS.bob.email), await loginAs(gateway, ACCOUNTS.staff.email)];
    const rows = await gateway.prisma.refreshToken.findMany();
    expect(rows.length).toBeGreaterThanOrEqual(2);

    // then no stored hash is, or contains, a token handed out, while each token's SHA-256 is stored
    for (const { refreshToken } of sessions) {
      expect(rows.some((row) => row.tokenHash === refreshToken || row.tokenHash.includes(refreshToken))).toBe(false);
      expect(rows.filter((row) => row.tokenHash === sha256(refreshToken))).toHaveLength(1);
    }
  });
});

describe('logout', () => {
  it('revokes the session: its refresh token no longer refreshes; another session is unaffected', async () => {
    // given two sessions of bob
    const session = await loginAs(gateway, ACCOUNTS.bob.email);
    const other = await loginAs(gateway, ACCOUNTS.bob.email);

    // when one is ended
    const response = await logout(session.refreshToken);

    // then it says so, and its tokens are revoked in the database
    expect(response.body).toEqual({ data: { logout: { revoked: true, userErrors: [] } } });
    expect((await familyOf(session.refreshToken)).every((row) => row.revokedAt instanceof Date)).toBe(true);
    const refused = await refresh(session.refreshToken);
    expectUserError(refused.body.data?.refreshSession, 'INVALID_REFRESH_TOKEN', ['input', 'refreshToken']);
    // and ending it again ends nothing
    expect((await logout(session.refreshToken)).body).toEqual({ data: { logout: { revoked: false, userErrors: [] } } });
    // while the other session still refreshes
    expect((await refresh(other.refreshToken)).body.data?.refreshSession.userErrors).toEqual([]);
  });

  it('ends the whole family when given an already-rotated token', async () => {
    const session = await loginAs(gateway, ACCOUNTS.staff.email);
    const rotated = (await refresh(session.refreshToken)).body.data!.refreshSession;

    expect((await logout(session.refreshToken)).body.data?.logout).toEqual({ revoked: true, userErrors: [] });
    expect((await refresh(rotated.refreshToken!)).body.data?.refreshSession.userErrors.map((e) => e.code)).toEqual(['INVALID_REFRESH_TOKEN']);
  });

  it.each([
    { case: 'garbage', token: 'garbage' },
    { case: 'an empty string', token: '' },
    { case: 'a 10,000-character string', token: 'x'.repeat(10_000) },
  ])('answers $case with a user error, not a fault', async ({ token }) => {
    const response = await logout(token);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: { logout: { revoked: false, userErrors: [{ code: 'INVALID_REFRESH_TOKEN', message: expect.any(String), field: ['input', 'refreshToken'] }] } },
    });
  });
});

describe('setUserRole', () => {
  const STOCK = '{ product(slug: "product-01") { name stockQuantity } }';

  async function roleOf(email: string): Promise<string> {
    return (await gateway.prisma.user.findUniqueOrThrow({ where: { email } })).role;
  }

  it('promotes bob to STAFF, and his existing access token gets staff rights at once', async () => {
    // given bob signed in as a customer: stock is forbidden to him
    const admin = await loginAs(gateway, ACCOUNTS.admin.email);
    const bob = await loginAs(gateway, ACCOUNTS.bob.email);
    const before = await gateway.graphql(STOCK, {}, bearer(bob.accessToken));
    expect(before.body.data).toEqual({ product: { name: 'Product 01 Kitchen', stockQuantity: null } });
    expectCode(before, 'FORBIDDEN');

    try {
      // when the admin promotes him
      const response = await gateway.graphql(SET_ROLE, { input: { userId: bob.userId, role: 'STAFF' } }, bearer(admin.accessToken));

      // then the payload shows the new role, the database has it
      expect(response.body).toEqual({
        data: { setUserRole: { user: { id: bob.userId, email: ACCOUNTS.bob.email, role: 'STAFF' }, userErrors: [] } },
      });
      expect(await roleOf(ACCOUNTS.bob.email)).toBe('STAFF');

      // and bob's token from before the change reads stock now: roles are read per request
      const after = await gateway.graphql(STOCK, {}, bearer(bob.accessToken));
      expect(after.body).toEqual({ data: { product: { name: 'Product 01 Kitchen', stockQuantity: 1 } } });
    } finally {
      await gateway.graphql(SET_ROLE, { input: { userId: bob.userId, role: 'CUSTOMER' } }, bearer(admin.accessToken));
    }
    expect(await roleOf(ACCOUNTS.bob.email)).toBe('CUSTOMER');
    expectCode(await gateway.graphql(STOCK, {}, bearer(bob.accessToken)), 'FORBIDDEN');
  });

  it('refuses to demote the last admin, and changes nothing', async () => {
    // given the only admin
    const admin = await loginAs(gateway, ACCOUNTS.admin.email);
    expect(await gateway.prisma.user.count({ where: { role: 'ADMIN' } })).toBe(1);
    const before = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.admin.email } });

    // when it demotes itself, to staff or to customer
    for (const role of ['STAFF', 'CUSTOMER'] as const) {
      const response = await gateway.graphql(SET_ROLE, { input: { userId: admin.userId, role } }, bearer(admin.accessToken));

      // then LAST_ADMIN at input.role, and the row is unchanged
      expectNoErrors(response);
      expectUserError(response.body.data?.setUserRole, 'LAST_ADMIN', ['input', 'role']);
      expect(await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.admin.email } })).toEqual(before);
    }
    // and it is still an admin
    const users = await gateway.graphql('{ users(first: 1) { totalCount } }', {}, bearer(admin.accessToken));
    expect(errorCodes(users)).toEqual([]);
  });

  it('lets an admin be demoted once there is another admin (setting ADMIN on an admin is no demotion)', async () => {
    const admin = await loginAs(gateway, ACCOUNTS.admin.email);
    const staff = await loginAs(gateway, ACCOUNTS.staff.email);
    const same = await gateway.graphql(SET_ROLE, { input: { userId: admin.userId, role: 'ADMIN' } }, bearer(admin.accessToken));
    expect(same.body.data).toEqual({ setUserRole: { user: { id: admin.userId, email: ACCOUNTS.admin.email, role: 'ADMIN' }, userErrors: [] } });

    try {
      await gateway.graphql(SET_ROLE, { input: { userId: staff.userId, role: 'ADMIN' } }, bearer(admin.accessToken));
      // the promoted staff member, now an admin, demotes the original admin
      const demoted = await gateway.graphql(SET_ROLE, { input: { userId: admin.userId, role: 'STAFF' } }, bearer(staff.accessToken));
      expect(demoted.body.data).toEqual({ setUserRole: { user: { id: admin.userId, email: ACCOUNTS.admin.email, role: 'STAFF' }, userErrors: [] } });
      // and now the other one is the last admin
      const last = await gateway.graphql(SET_ROLE, { input: { userId: staff.userId, role: 'CUSTOMER' } }, bearer(staff.accessToken));
      expectUserError(last.body.data?.setUserRole, 'LAST_ADMIN', ['input', 'role']);
    } finally {
      await gateway.prisma.user.update({ where: { email: ACCOUNTS.admin.email }, data: { role: 'ADMIN' } });
      await gateway.prisma.user.update({ where: { email: ACCOUNTS.staff.email }, data: { role: 'STAFF' } });
    }
  });

  it('leaves one admin when two admins demote each other at the same moment', async () => {
    // given two admins
    const admin = await loginAs(gateway, ACCOUNTS.admin.email);
    const staff = await loginAs(gateway, ACCOUNTS.staff.email);
    await gateway.prisma.user.update({ where: { email: ACCOUNTS.staff.email }, data: { role: 'ADMIN' } });

    try {
      // when each demotes the other at once
      const [one, two] = await Promise.all([
        gateway.graphql(SET_ROLE, { input: { userId: staff.userId, role: 'STAFF' } }, bearer(admin.accessToken)),
        gateway.graphql(SET_ROLE, { input: { userId: admin.userId, role: 'STAFF' } }, bearer(staff.accessToken)),
      ]);

      // then exactly one demotion happens, the other is LAST_ADMIN (or FORBIDDEN, if its author was demoted first)
      const outcomes = [one, two].map((response) => {
        const payload = response.body.data?.setUserRole;
        return payload ? (payload.userErrors[0]?.code ?? 'OK') : errorCodes(response)[0];
      });
      expect(outcomes.filter((outcome) => outcome === 'OK')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'LAST_ADMIN' || outcome === 'FORBIDDEN')).toHaveLength(1);
      expect(await gateway.prisma.user.count({ where: { role: 'ADMIN' } })).toBe(1);
    } finally {
      await gateway.prisma.user.update({ where: { email: ACCOUNTS.admin.email }, data: { role: 'ADMIN' } });
      await gateway.prisma.user.update({ where: { email: ACCOUNTS.staff.email }, data: { role: 'STAFF' } });
    }
  });

  it('answers an unknown user id with USER_NOT_FOUND', async () => {
    const admin = await loginAs(gateway, ACCOUNTS.admin.email);
    const response = await gateway.graphql(SET_ROLE, { input: { userId: toGlobalId('User', 999_999), role: 'STAFF' } }, bearer(admin.accessToken));

    expectNoErrors(response);
    expectUserError(response.body.data?.setUserRole, 'USER_NOT_FOUND', ['input', 'userId']);
  });

  it.each([
    { case: 'a Product id', userId: async () => (await gateway.graphql<{ product: { id: string } }>('{ product(slug: "product-02") { id } }')).body.data!.product.id },
    { case: 'a malformed id', userId: async () => 'not an id' },
    { case: 'a User id beyond int4', userId: async () => toGlobalId('User', 2_147_483_648) },
  ])('answers $case as userId with BAD_USER_INPUT naming input.userId, and changes nothing', async ({ userId }) => {
    const admin = await loginAs(gateway, ACCOUNTS.admin.email);
    const id = await userId();
    const rolesBefore = await gateway.prisma.user.findMany({ select: { id: true, role: true }, orderBy: { id: 'asc' } });

    const response = await gateway.graphql(SET_ROLE, { input: { userId: id, role: 'ADMIN' } }, bearer(admin.accessToken));

    // the payload is non-null, so the error takes the whole (single-field) data with it
    expectBadUserInput(response, ['setUserRole'], 'input.userId');
    expect(response.body.data).toBeNull();
    expect(await gateway.prisma.user.findMany({ select: { id: true, role: true }, orderBy: { id: 'asc' } })).toEqual(rolesBefore);
  });
});
