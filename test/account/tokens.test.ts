import { SignJWT, type JWTPayload } from 'jose';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../../src/config';
import { ACCOUNTS, bearer, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';

// An access token is all-or-nothing: a bad one fails the whole request with
// HTTP 401 and UNAUTHENTICATED, before any resolver runs, rather than being
// treated as anonymous.

const ISSUER = 'storefront-gateway';
const AUDIENCE = 'storefront-clients';
const TOLERANCE = 30;

let gateway: TestGateway;
/** The database id (the token's `sub`) of alice, and a valid access token of hers. */
let aliceSub: string;
let aliceToken: string;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  const alice = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } });
  aliceSub = String(alice.id);
  aliceToken = (await loginAs(gateway, ACCOUNTS.alice.email)).accessToken;
});
afterAll(() => gateway?.close());

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Claims a valid token of alice would carry; each case spoils one thing. */
function claims(overrides: JWTPayload = {}): JWTPayload {
  return { sub: aliceSub, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 900, ...overrides };
}

/** Signs `payload` as given (no defaults added by jose), HS256 with the development secret unless told otherwise. */
function sign(payload: JWTPayload, options: { secret?: string; alg?: string } = {}): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret ?? DEVELOPMENT_JWT_SECRET));
}

/** Flips one character in the middle of the token's payload, keeping it base64url. */
function flipPayloadCharacter(token: string): string {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const index = Math.floor(payload.length / 2);
  const flipped = payload[index] === 'A' ? 'B' : 'A';
  return [header, payload.slice(0, index) + flipped + payload.slice(index + 1), signature].join('.');
}

/** Makes the payload claim another user, keeping the original signature. */
function swapSubject(token: string, sub: string): string {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  return [header, base64url({ ...decoded, sub }), signature].join('.');
}

type Headers = () => Promise<Record<string, string>>;
const withToken = (token: () => Promise<string> | string): Headers => async () => bearer(await token());

const BAD_REQUESTS: Array<{ case: string; headers: Headers }> = [
  { case: 'a header of another scheme ("Token abc")', headers: async () => ({ authorization: 'Token abc' }) },
  { case: 'a bare "Bearer"', headers: async () => ({ authorization: 'Bearer' }) },
  { case: '"Bearer " with nothing after it', headers: async () => ({ authorization: 'Bearer  ' }) },
  { case: '"Bearer not.a.jwt!"', headers: async () => ({ authorization: 'Bearer not.a.jwt!' }) },
  { case: 'a token of two segments', headers: withToken(() => aliceToken.split('.').slice(0, 2).join('.')) },
  { case: 'a token longer than 2048 characters', headers: withToken(() => `${aliceToken}${'A'.repeat(2100)}`) },
  { case: 'a token signed with another secret', headers: withToken(() => sign(claims(), { secret: 'another-secret-another-secret-another-secret' })) },
  {
    case: 'an unsigned token (alg: none)',
    headers: withToken(() => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`),
  },
  {
    case: 'an unsigned token (alg: none) of the admin',
    headers: async () => {
      const admin = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.admin.email } });
      return bearer(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims({ sub: String(admin.id) }))}.`);
    },
  },
  { case: 'an HS512 token with the right secret (algorithm not allowed)', headers: withToken(() => sign(claims(), { alg: 'HS512' })) },
  { case: 'an HS384 token with the right secret (algorithm not allowed)', headers: withToken(() => sign(claims(), { alg: 'HS384' })) },
  {
    case: 'an expired token (exp beyond the 30 s tolerance)',
    headers: withToken(() => sign(claims({ iat: now() - 600, exp: now() - TOLERANCE - 30 }))),
  },
  {
    case: 'a token issued longer ago than the access-token lifetime (exp still ahead)',
    headers: withToken(() => sign(claims({ iat: now() - 900 - TOLERANCE - 60, exp: now() + 3600 }))),
  },
  { case: 'a token issued in the future (iat beyond the tolerance)', headers: withToken(() => sign(claims({ iat: now() + TOLERANCE + 60 }))) },
  { case: 'a token not valid yet (nbf beyond the tolerance)', headers: withToken(() => sign(claims({ nbf: now() + TOLERANCE + 60 }))) },
  { case: 'a token of another issuer', headers: withToken(() => sign(claims({ iss: 'someone-else' }))) },
  { case: 'a token for another audience', headers: withToken(() => sign(claims({ aud: 'other-clients' }))) },
  { case: 'a token without sub', headers: withToken(() => sign(claims({ sub: undefined }))) },
  { case: 'a token without exp', headers: withToken(() => sign(claims({ exp: undefined }))) },
  { case: 'a token without iat', headers: withToken(() => sign(claims({ iat: undefined }))) },
  { case: 'a token whose sub is not a number', headers: withToken(() => sign(claims({ sub: 'alice' }))) },
  { case: 'a token whose sub is 0', headers: withToken(() => sign(claims({ sub: '0' }))) },
  { case: 'a token whose sub is a user that does not exist', headers: withToken(() => sign(claims({ sub: '999999' }))) },
  { case: 'a token whose sub is beyond int4 (no such user)', headers: withToken(() => sign(claims({ sub: '2147483648' }))) },
  { case: 'a token with one payload character flipped', headers: withToken(() => flipPayloadCharacter(aliceToken)) },
  { case: 'a token whose payload names another user, signature kept', headers: withToken(() => swapSubject(aliceToken, '1')) },
  { case: 'a token with its signature truncated', headers: withToken(() => aliceToken.slice(0, -6)) },
];

const WRITE_PROBE = /* GraphQL */ `
  mutation Probe($input: RegisterInput!) {
    register(input: $input) { accessToken user { id } userErrors { code } }
  }
`;

async function counts() {
  const [users, refreshTokens, reviews] = await Promise.all([
    gateway.prisma.user.count(),
    gateway.prisma.refreshToken.count(),
    gateway.prisma.review.count(),
  ]);
  return { users, refreshTokens, reviews };
}

describe('a bad Authorization header or access token', () => {
  it.each(BAD_REQUESTS)('fails the whole request on $case: 401 UNAUTHENTICATED, no data, nothing written', async ({ headers }) => {
    // given the rows in the database
    const before = await counts();

    // when a request with the bad credentials asks to read and to write
    const read = await gateway.graphql('{ viewer { id } categories { name } }', {}, await headers());
    const write = await gateway.graphql(
      WRITE_PROBE,
      { input: { email: 'probe@example.com', password: 'probe-password', name: 'Probe' } },
      await headers(),
    );

    // then both are refused as a whole: 401, UNAUTHENTICATED, no data at all
    for (const response of [read, write]) {
      expect(response.status).toBe(401);
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors).toEqual([
        expect.objectContaining({ message: expect.any(String), extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
      expect(response.body.errors?.[0]?.path).toBeUndefined();
    }
    // and nothing was written
    expect(await counts()).toEqual(before);
    expect(await gateway.prisma.user.findUnique({ where: { email: 'probe@example.com' } })).toBeNull();

    // and the server keeps serving, anonymous and signed-in requests alike
    const anonymous = await gateway.graphql<{ categories: Array<{ name: string }> }>('{ categories { name } }');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data?.categories).toHaveLength(3);
    const signedIn = await gateway.graphql('{ viewer { email } }', {}, bearer(aliceToken));
    expect(signedIn.body).toEqual({ data: { viewer: { email: ACCOUNTS.alice.email } } });
  });
});

describe('a good access token', () => {
  it('gives the viewer its own data', async () => {
    const response = await gateway.graphql('{ viewer { name email role } }', {}, bearer(aliceToken));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { viewer: { name: ACCOUNTS.alice.name, email: ACCOUNTS.alice.email, role: 'CUSTOMER' } } });
  });

  it('is accepted when forged with the right secret and claims (the test builds tokens like the gateway does)', async () => {
    const response = await gateway.graphql('{ viewer { email } }', {}, bearer(await sign(claims())));
    expect(response.body).toEqual({ data: { viewer: { email: ACCOUNTS.alice.email } } });
  });

  it.each([
    { case: 'expired less than the tolerance ago', payload: () => claims({ iat: now() - 300, exp: now() - 10 }) },
    { case: 'issued less than the tolerance in the future', payload: () => claims({ iat: now() + 10 }) },
  ])('is accepted when $case (30 s clock tolerance)', async ({ payload }) => {
    const response = await gateway.graphql('{ viewer { email } }', {}, bearer(await sign(payload())));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { viewer: { email: ACCOUNTS.alice.email } } });
  });
});

describe('the JWT_SECRET configuration', () => {
  // Production's other requirements (a payment provider) are met by PRODUCTION_ENV, so only the secret varies.
  const { JWT_SECRET: _secret, ...PRODUCTION_WITHOUT_SECRET } = PRODUCTION_ENV;

  it('is required in production: a ConfigError naming JWT_SECRET', () => {
    expect(() => loadConfig(PRODUCTION_WITHOUT_SECRET)).toThrow(ConfigError);
    expect(() => loadConfig(PRODUCTION_WITHOUT_SECRET)).toThrow(/JWT_SECRET/);
  });

  it('refuses a secret of 31 bytes, and accepts one of 32', () => {
    expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: 's'.repeat(31) })).toThrow(ConfigError);
    expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: 's'.repeat(31) })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'test', JWT_SECRET: 's'.repeat(31) })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: 's'.repeat(32) }).jwtSecret).toBe('s'.repeat(32));
  });

  it('counts bytes, not characters', () => {
    // "é" is 2 bytes in UTF-8: 16 of them are 32 bytes, 15 plus one ASCII character are 31
    expect(loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: 'é'.repeat(16) }).jwtSecret).toBe('é'.repeat(16));
    expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: `${'é'.repeat(15)}x` })).toThrow(ConfigError);
  });

  it('refuses the development secret in production, and uses it elsewhere when none is given', () => {
    expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'test' }).jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
    expect(loadConfig({ NODE_ENV: 'development' }).jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
  });
});
