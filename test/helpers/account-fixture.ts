import type { Db } from '../../src/db/prisma';
import type { AccountErrorCode, LoginInput, RegisterInput } from '../../src/generated/graphql';
import { hashPassword } from '../../src/modules/account/password';
import { DEMO_ACCOUNTS_BY_KEY, DEMO_PASSWORD } from '../../src/seed/demo-data';
import { recomputeRatings, seedCatalogFixture } from './catalog-fixture';
import type { UserError } from './assertions';
import { typedOperation, type TestGateway } from './test-gateway';

export { DEMO_PASSWORD };

/**
 * The demo accounts (one admin, one staff member, two customers), exactly as
 * the seed defines them: tests sign in as them and assert on their names and
 * roles through this object, never through copies of the values.
 */
export const ACCOUNTS = DEMO_ACCOUNTS_BY_KEY;

/** Creates the four demo accounts, all with DEMO_PASSWORD (hashed in parallel: scrypt is slow on purpose). */
export async function seedAccounts(prisma: Db): Promise<void> {
  const accounts = Object.values(ACCOUNTS);
  const hashes = await Promise.all(accounts.map(() => hashPassword(DEMO_PASSWORD)));
  await prisma.user.createMany({
    data: accounts.map((account, index) => ({ ...account, passwordHash: hashes[index]! })),
  });
}

/** The slug of the product alice has reviewed in `seedAccountsWithCatalog`. */
export const ALICE_REVIEWED_PRODUCT = 'product-01';
export const ALICE_REVIEW_BODY = 'Alice liked it';

/**
 * The catalog fixture (3 categories, 31 products, 6 reviewers and their
 * reviews), the demo accounts, and one review by alice of product-01
 * (product 1 has 1 fixture review, so alice's is its second and newest).
 */
export async function seedAccountsWithCatalog(prisma: Db): Promise<void> {
  await seedCatalogFixture(prisma);
  await seedAccounts(prisma);
  const [alice, product] = await Promise.all([
    prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } }),
    prisma.product.findUniqueOrThrow({ where: { slug: ALICE_REVIEWED_PRODUCT } }),
  ]);
  await prisma.review.create({
    data: { productId: product.id, authorId: alice.id, rating: 5, body: ALICE_REVIEW_BODY, createdAt: new Date(Date.UTC(2026, 1, 1)) },
  });
  await recomputeRatings(prisma, product.id);
}

/** Headers that present an access token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  /** The user's global ID. */
  userId: string;
}

/** A session's tokens and user, or why not: what `login` and `register` answer. */
interface SessionPayload {
  accessToken: string | null;
  refreshToken: string | null;
  user: { id: string } | null;
  userErrors: Array<Pick<UserError<AccountErrorCode>, 'code' | 'message'>>;
}

const LOGIN = typedOperation<{ login: SessionPayload }, { input: LoginInput }>(/* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken user { id } userErrors { code message } }
  }
`);

/** Signs in through the real `login` mutation; throws, naming the cause, when it does not succeed. */
export async function loginAs(gateway: TestGateway, email: string, password: string = DEMO_PASSWORD): Promise<SignedIn> {
  const response = await gateway.graphql(LOGIN, { input: { email, password } });
  const payload = response.body.data?.login;
  if (!payload?.accessToken || !payload.refreshToken || !payload.user) {
    throw new Error(`login as ${email} failed: ${JSON.stringify(response.body)}`);
  }
  return { accessToken: payload.accessToken, refreshToken: payload.refreshToken, userId: payload.user.id };
}

/** A signed-in customer as the commerce tests use one: headers to send, global and database ids. */
export interface Customer {
  headers: Record<string, string>;
  userId: string;
  dbId: number;
}

/** A demo account, signed in through the real `login` mutation. */
export async function signedIn(gateway: TestGateway, email: string): Promise<Customer> {
  const session = await loginAs(gateway, email);
  const row = await gateway.prisma.user.findUniqueOrThrow({ where: { email } });
  return { headers: bearer(session.accessToken), userId: session.userId, dbId: row.id };
}

const REGISTER = typedOperation<{ register: SessionPayload }, { input: RegisterInput }>(/* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) { accessToken refreshToken user { id } userErrors { code message } }
  }
`);
let registered = 0;

/** A brand-new customer (no cart, no orders), signed up through the real `register` mutation. */
export async function newCustomer(gateway: TestGateway, label = 'shopper'): Promise<Customer> {
  registered += 1;
  const email = `${label}-${registered}@example.com`;
  const response = await gateway.graphql(REGISTER, {
    input: { email, password: 'long-enough-password', name: `Shopper ${registered}` },
  });
  const payload = response.body.data?.register;
  if (!payload?.accessToken || !payload.user) throw new Error(`register failed: ${JSON.stringify(response.body)}`);
  const row = await gateway.prisma.user.findUniqueOrThrow({ where: { email } });
  return { headers: bearer(payload.accessToken), userId: payload.user.id, dbId: row.id };
}

