import {
  ACCOUNTS,
  ALICE_REVIEW_BODY,
  ALICE_REVIEWED_PRODUCT,
  bearer,
  loginAs,
  seedAccountsWithCatalog,
  type SignedIn,
} from '../helpers/account-fixture';
import { toGlobalId } from '../../src/graphql/global-id';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// SPEC §4, cell by cell: every role against every protected field, by every
// path that reaches it. Allowed: the value is there. Denied: null at exactly
// that path with FORBIDDEN (signed in) or UNAUTHENTICATED (anonymous), and
// every sibling field of the same response intact.

type Who = 'anonymous' | 'alice' | 'bob' | 'staff' | 'admin';
const EVERYONE: readonly Who[] = ['anonymous', 'alice', 'bob', 'staff', 'admin'];
type Path = ReadonlyArray<string | number>;

/** What the cells need to know about the seeded data, filled in once the gateway runs. */
interface Known {
  aliceId: string;
  bobId: string;
  productId: string;
  reviewId: string;
  aliceCreatedAt: string;
  userCount: number;
}

interface Operation {
  /** The protected field and the path it is reached by, for the test's name. */
  name: string;
  query: string;
  variables: (known: Known) => Record<string, unknown>;
  /** Where the protected field is in `data`. */
  path: Path;
  allowed: readonly Who[];
  /** Its value when allowed (a matcher is fine). */
  value: (known: Known) => unknown;
  /** Public fields of the same response and their values, which a denial must leave alone. */
  siblings: Array<{ path: Path; value: (known: Known) => unknown }>;
  /** For a non-null field (a mutation's payload): a denial nulls the whole `data`. */
  nonNull?: boolean;
}

const PRODUCT_01 = { name: 'Product 01 Kitchen', price: '1.99', costPrice: '0.50', stockQuantity: 1 };
const CATEGORY_SLUGS = [{ slug: 'garden' }, { slug: 'kitchen' }, { slug: 'office' }];

function productField(field: 'stockQuantity' | 'costPrice', selection: string, value: unknown): Operation[] {
  const siblings = (root: Path): Operation['siblings'] => [
    { path: [...root, 'name'], value: () => PRODUCT_01.name },
    { path: [...root, 'price'], value: () => ({ amount: PRODUCT_01.price }) },
  ];
  return [
    {
      name: `Product.${field} via product(slug)`,
      query: `query($slug: String!) { product(slug: $slug) { name price { amount } ${selection} } categories { slug } }`,
      variables: () => ({ slug: ALICE_REVIEWED_PRODUCT }),
      path: ['product', field],
      allowed: ['staff', 'admin'],
      value: () => value,
      siblings: [...siblings(['product']), { path: ['categories'], value: () => CATEGORY_SLUGS }],
    },
    {
      name: `Product.${field} via node(id)`,
      query: `query($id: ID!) { node(id: $id) { id ... on Product { name price { amount } ${selection} } } }`,
      variables: (known) => ({ id: known.productId }),
      path: ['node', field],
      allowed: ['staff', 'admin'],
      value: () => value,
      siblings: [...siblings(['node']), { path: ['node', 'id'], value: (known) => known.productId }],
    },
  ];
}

type UserField = 'email' | 'role' | 'createdAt';
const USER_FIELDS: Array<{ field: UserField; allowed: readonly Who[]; value: (known: Known) => unknown }> = [
  // the user themself or staff (admin included)
  { field: 'email', allowed: ['alice', 'staff', 'admin'], value: () => ACCOUNTS.alice.email },
  // the user themself or an admin: staff may not
  { field: 'role', allowed: ['alice', 'admin'], value: () => 'CUSTOMER' },
  { field: 'createdAt', allowed: ['alice', 'staff', 'admin'], value: (known) => known.aliceCreatedAt },
];

function aliceField({ field, allowed, value }: (typeof USER_FIELDS)[number]): Operation[] {
  return [
    {
      name: `User.${field} of alice via node(id)`,
      query: `query($id: ID!) { node(id: $id) { id ... on User { name ${field} } } }`,
      variables: (known) => ({ id: known.aliceId }),
      path: ['node', field],
      allowed,
      value,
      siblings: [
        { path: ['node', 'id'], value: (known) => known.aliceId },
        { path: ['node', 'name'], value: () => ACCOUNTS.alice.name },
      ],
    },
    {
      // a product first, so the user is not the only object of the list
      name: `User.${field} of alice via nodes(ids)`,
      query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { name } ... on User { name ${field} } } }`,
      variables: (known) => ({ ids: [known.productId, known.aliceId] }),
      path: ['nodes', 1, field],
      allowed,
      value,
      siblings: [
        { path: ['nodes', 0], value: (known) => ({ id: known.productId, name: PRODUCT_01.name }) },
        { path: ['nodes', 1, 'id'], value: (known) => known.aliceId },
        { path: ['nodes', 1, 'name'], value: () => ACCOUNTS.alice.name },
      ],
    },
    {
      name: `User.${field} of alice via Review.author`,
      query: `query($id: ID!) { node(id: $id) { id ... on Review { body author { id name ${field} } } } }`,
      variables: (known) => ({ id: known.reviewId }),
      path: ['node', 'author', field],
      allowed,
      value,
      siblings: [
        { path: ['node', 'body'], value: () => ALICE_REVIEW_BODY },
        { path: ['node', 'author', 'id'], value: (known) => known.aliceId },
        { path: ['node', 'author', 'name'], value: () => ACCOUNTS.alice.name },
      ],
    },
    {
      name: `User.${field} of alice via product.reviews.author`,
      query: `query($slug: String!) { product(slug: $slug) { name reviews(first: 1) { totalCount nodes { body author { name ${field} } } } } }`,
      variables: () => ({ slug: ALICE_REVIEWED_PRODUCT }),
      path: ['product', 'reviews', 'nodes', 0, 'author', field],
      allowed,
      value,
      siblings: [
        { path: ['product', 'name'], value: () => PRODUCT_01.name },
        { path: ['product', 'reviews', 'totalCount'], value: () => 2 },
        { path: ['product', 'reviews', 'nodes', 0, 'body'], value: () => ALICE_REVIEW_BODY },
        { path: ['product', 'reviews', 'nodes', 0, 'author', 'name'], value: () => ACCOUNTS.alice.name },
      ],
    },
  ];
}

const SET_BOB_ROLE = /* GraphQL */ `
  mutation SetRole($input: SetUserRoleInput!) {
    setUserRole(input: $input) { user { id name role } userErrors { code field } }
  }
`;

const OPERATIONS: Operation[] = [
  ...productField('stockQuantity', 'stockQuantity', PRODUCT_01.stockQuantity),
  ...productField('costPrice', 'costPrice { amount currencyCode }', { amount: PRODUCT_01.costPrice, currencyCode: 'USD' }),
  ...USER_FIELDS.flatMap(aliceField),
  {
    name: 'Query.users',
    query: '{ users(first: 20) { totalCount nodes { name email } } categories { slug } }',
    variables: () => ({}),
    path: ['users'],
    allowed: ['admin'],
    value: (known) => ({
      totalCount: known.userCount,
      nodes: expect.arrayContaining([
        { name: ACCOUNTS.alice.name, email: ACCOUNTS.alice.email },
        { name: ACCOUNTS.bob.name, email: ACCOUNTS.bob.email },
      ]),
    }),
    siblings: [{ path: ['categories'], value: () => CATEGORY_SLUGS }],
  },
  {
    name: 'Mutation.setUserRole (bob to STAFF)',
    query: SET_BOB_ROLE,
    variables: (known) => ({ input: { userId: known.bobId, role: 'STAFF' } }),
    path: ['setUserRole'],
    allowed: ['admin'],
    value: (known) => ({ user: { id: known.bobId, name: ACCOUNTS.bob.name, role: 'STAFF' }, userErrors: [] }),
    siblings: [],
    nonNull: true,
  },
];

function at(data: unknown, path: Path): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function errorsOf(response: GraphQLResponse): Array<{ path: unknown; code: unknown }> {
  return (response.body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code }));
}

let gateway: TestGateway;
const sessions = new Map<Who, SignedIn>();
let known: Known;

function headersOf(who: Who): Record<string, string> {
  if (who === 'anonymous') return {};
  const session = sessions.get(who);
  if (!session) throw new Error(`no session for ${who}`);
  return bearer(session.accessToken);
}

async function bobRole(): Promise<string> {
  return (await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.bob.email } })).role;
}

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  for (const who of ['alice', 'bob', 'staff', 'admin'] as const) sessions.set(who, await loginAs(gateway, ACCOUNTS[who].email));

  const ids = await gateway.graphql<{ product: { id: string; reviews: { nodes: Array<{ id: string; body: string }> } } }>(
    `query($slug: String!) { product(slug: $slug) { id reviews(first: 1) { nodes { id body } } } }`,
    { slug: ALICE_REVIEWED_PRODUCT },
  );
  const review = ids.body.data?.product.reviews.nodes[0];
  if (!ids.body.data || review?.body !== ALICE_REVIEW_BODY) throw new Error(`fixture lookup failed: ${JSON.stringify(ids.body)}`);
  const alice = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } });
  known = {
    aliceId: sessions.get('alice')!.userId,
    bobId: sessions.get('bob')!.userId,
    productId: ids.body.data.product.id,
    reviewId: review.id,
    aliceCreatedAt: alice.createdAt.toISOString(),
    userCount: await gateway.prisma.user.count(),
  };
});
afterAll(() => gateway?.close());

const CELLS = OPERATIONS.flatMap((operation) =>
  EVERYONE.map((who) => ({ who, operation, verdict: operation.allowed.includes(who) ? 'allowed' : 'denied' })),
);

describe('the authorization matrix (SPEC §4)', () => {
  it.each(CELLS)('$who × $operation.name → $verdict', async ({ who, operation, verdict }) => {
    // given a caller of one role, when it asks for the protected field among public ones
    const response = await gateway.graphql(operation.query, operation.variables(known), headersOf(who));

    expect(response.status).toBe(200);
    if (verdict === 'allowed') {
      // then the value is there, with no error at all
      expect(errorsOf(response)).toEqual([]);
      expect(at(response.body.data, operation.path)).toEqual(operation.value(known));
    } else {
      // then exactly that field is null, with the code for this caller at its path
      expect(errorsOf(response)).toEqual([{ path: operation.path, code: who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN' }]);
      if (operation.nonNull) expect(response.body.data).toBeNull();
      else expect(at(response.body.data, operation.path)).toBeNull();
    }
    // and the public siblings of the same response are intact either way
    for (const sibling of operation.siblings) expect(at(response.body.data, sibling.path)).toEqual(sibling.value(known));

    if (operation.path[0] === 'setUserRole') {
      // and the role changed only when allowed; the admin's change is undone for the next cell
      expect(await bobRole()).toBe(verdict === 'allowed' ? 'STAFF' : 'CUSTOMER');
      if (verdict === 'allowed') {
        const restore = await gateway.graphql(SET_BOB_ROLE, { input: { userId: known.bobId, role: 'CUSTOMER' } }, headersOf('admin'));
        expect(at(restore.body.data, ['setUserRole', 'user', 'role'])).toBe('CUSTOMER');
        expect(await bobRole()).toBe('CUSTOMER');
      }
    }
  });

  it.each(EVERYONE)('%s reads the public fields name and price, of products and users, without any error', async (who) => {
    // when any caller reads only public fields
    const response = await gateway.graphql(
      `query($slug: String!, $id: ID!) {
        product(slug: $slug) { name price { amount currencyCode } }
        node(id: $id) { id ... on User { name } }
      }`,
      { slug: ALICE_REVIEWED_PRODUCT, id: known.aliceId },
      headersOf(who),
    );

    // then everything is there
    expect(response.status).toBe(200);
    expect(errorsOf(response)).toEqual([]);
    expect(response.body.data).toEqual({
      product: { name: PRODUCT_01.name, price: { amount: PRODUCT_01.price, currencyCode: 'USD' } },
      node: { id: known.aliceId, name: ACCOUNTS.alice.name },
    });
  });

  it.each(['alice', 'bob', 'staff', 'admin'] as const)('%s reads their own email, role and createdAt through viewer', async (who) => {
    // given a signed-in caller, when it reads itself
    const response = await gateway.graphql('{ viewer { id name email role createdAt } categories { slug } }', {}, headersOf(who));

    // then every field of its own is readable, whatever its role
    const user = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS[who].email } });
    expect(errorsOf(response)).toEqual([]);
    expect(response.body.data).toEqual({
      viewer: {
        id: sessions.get(who)!.userId,
        name: ACCOUNTS[who].name,
        email: ACCOUNTS[who].email,
        role: ACCOUNTS[who].role,
        createdAt: user.createdAt.toISOString(),
      },
      categories: CATEGORY_SLUGS,
    });
  });

  it('gives an anonymous viewer as null, without an error, and the rest of the response', async () => {
    const response = await gateway.graphql('{ viewer { id email role } categories { slug } }');

    expect(response.status).toBe(200);
    expect(errorsOf(response)).toEqual([]);
    expect(response.body.data).toEqual({ viewer: null, categories: CATEGORY_SLUGS });
  });
});

describe('a customer never reads another customer’s email', () => {
  // Every path to a user in one request: node, nodes, users, a review's author, a product's review authors.
  const EVERY_PATH = /* GraphQL */ `
    query EveryPath($id: ID!, $reviewId: ID!, $slug: String!) {
      node(id: $id) { ... on User { name email } }
      nodes(ids: [$id, $reviewId]) { ... on User { name email } ... on Review { author { name email } } }
      users(first: 20) { nodes { email } }
      review: node(id: $reviewId) { ... on Review { author { name email } } }
      product(slug: $slug) { reviews(first: 10) { nodes { author { name email } } } }
      products(first: 30) { nodes { reviews(first: 10) { nodes { author { email } } } } }
    }
  `;

  it.each([
    { reader: 'bob', target: 'alice' },
    { reader: 'alice', target: 'bob' },
  ] as const)('$reader cannot read $target’s email by any path', async ({ reader, target }) => {
    // given bob has written a review too (of the same product as alice), so both are review authors
    const bob = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.bob.email } });
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: ALICE_REVIEWED_PRODUCT } });
    const bobReview = await gateway.prisma.review.upsert({
      where: { productId_authorId: { productId: product.id, authorId: bob.id } },
      create: { productId: product.id, authorId: bob.id, rating: 2, body: 'Bob did not', createdAt: new Date(Date.UTC(2026, 0, 15)) },
      update: {},
    });
    const targetReviewId = target === 'alice' ? known.reviewId : toGlobalId('Review', bobReview.id);
    const targetId = target === 'alice' ? known.aliceId : known.bobId;

    try {
      // when the reader asks for the target's email everywhere at once
      const response = await gateway.graphql(
        EVERY_PATH,
        { id: targetId, reviewId: targetReviewId, slug: ALICE_REVIEWED_PRODUCT },
        headersOf(reader),
      );

      // then the target's address appears nowhere in the response, every denial is FORBIDDEN,
      // and the only email the reader does see is its own
      const text = JSON.stringify(response.body);
      expect(text).not.toContain(ACCOUNTS[target].email);
      expect(new Set(errorsOf(response).map((error) => error.code))).toEqual(new Set(['FORBIDDEN']));
      const paths = (response.body.errors ?? []).map((error) => error.path?.join('.'));
      expect(paths).toEqual(
        expect.arrayContaining(['node.email', 'nodes.0.email', 'nodes.1.author.email', 'users', 'review.author.email']),
      );
      expect(at(response.body.data, ['node'])).toEqual({ name: ACCOUNTS[target].name, email: null });
      expect(at(response.body.data, ['users'])).toBeNull();
      const emailsSeen = text.match(/[a-z0-9.]+@example\.com/g) ?? [];
      expect(new Set(emailsSeen)).toEqual(new Set([ACCOUNTS[reader].email]));
      // and the fixture reviewers' addresses (other customers too) are not there either
      expect(text).not.toMatch(/reviewer\d+@example\.com/);
    } finally {
      await gateway.prisma.review.delete({ where: { id: bobReview.id } });
    }
  });

  it('while staff, by the same paths, read it (the query itself is not what is refused)', async () => {
    const response = await gateway.graphql(
      EVERY_PATH.replace(/users\(first: 20\) \{ nodes \{ email \} \}/, ''),
      { id: known.aliceId, reviewId: known.reviewId, slug: ALICE_REVIEWED_PRODUCT },
      headersOf('staff'),
    );

    expect(errorsOf(response)).toEqual([]);
    expect(at(response.body.data, ['node', 'email'])).toBe(ACCOUNTS.alice.email);
    expect(at(response.body.data, ['nodes', 1, 'author', 'email'])).toBe(ACCOUNTS.alice.email);
    expect(at(response.body.data, ['review', 'author', 'email'])).toBe(ACCOUNTS.alice.email);
  });
});
