import { decodeProtectedHeader, SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { ACCOUNTS, bearer, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectCode } from '../helpers/assertions';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';

// Its own file, because it needs a gateway of its own: production, with a real secret.
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: PRODUCTION_ENV });
});
afterAll(() => gateway?.close());

describe('access tokens in production', () => {
  it('starts with a 32+ byte secret and accepts its own tokens', async () => {
    // given a production gateway, when alice signs in
    const alice = await loginAs(gateway, ACCOUNTS.alice.email);

    // then the token is HS256 and works
    expect(decodeProtectedHeader(alice.accessToken).alg).toBe('HS256');
    const response = await gateway.graphql('{ viewer { email role } }', {}, bearer(alice.accessToken));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { viewer: { email: ACCOUNTS.alice.email, role: 'CUSTOMER' } } });
  });

  it('refuses a token signed with the development secret, with 401 and no stack trace', async () => {
    // given a token that would be valid outside production
    const user = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.admin.email } });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(user.id))
      .setIssuer('storefront-gateway')
      .setAudience('storefront-clients')
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));

    // when it is used
    const response = await gateway.graphql('{ viewer { email } }', {}, bearer(token));

    // then the whole request is refused
    expect(response.status).toBe(401);
    expect(response.body.data ?? null).toBeNull();
    expectCode(response, 'UNAUTHENTICATED');
    expect(response.body.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  });

  it('still denies fields by role in production', async () => {
    const staff = await loginAs(gateway, ACCOUNTS.staff.email);
    const bob = await loginAs(gateway, ACCOUNTS.bob.email);
    const query = '{ product(slug: "product-01") { name stockQuantity } }';

    const asStaff = await gateway.graphql(query, {}, bearer(staff.accessToken));
    const asBob = await gateway.graphql(query, {}, bearer(bob.accessToken));

    expect(asStaff.body).toEqual({ data: { product: { name: 'Product 01 Kitchen', stockQuantity: 1 } } });
    expect(asBob.body.data).toEqual({ product: { name: 'Product 01 Kitchen', stockQuantity: null } });
    expect(asBob.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['product', 'stockQuantity'], 'FORBIDDEN']]);
  });
});
