import {
  ACCOUNTS,
  ALICE_REVIEW_BODY,
  ALICE_REVIEWED_PRODUCT,
  bearer,
  loginAs,
  seedAccountsWithCatalog,
  type SignedIn,
} from '../helpers/account-fixture';
import type { Db } from '../../src/db/prisma';
import { toGlobalId } from '../../src/graphql/global-id';
import { recomputeRatings } from '../helpers/catalog-fixture';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// The authorization table of docs/authorization.md, cell by cell: every role
// against every protected field, by every path that reaches it. Allowed: the
// value is there. Denied: null at exactly that path with FORBIDDEN (signed in)
// or UNAUTHENTICATED (anonymous), and every sibling field of the same response
// intact. Hidden: an object the caller may not see at all (another customer's
// order or payment) reads exactly as a missing id would.

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
  /** Alice's seeded order (see seedAliceCommerce), its number and its payment. */
  aliceOrderId: string;
  aliceOrderNumber: number;
  alicePaymentId: string;
  kitchenId: string;
  adjustedProductId: string;
  addedProductId: string;
  reviewedProductId: string;
}

interface Operation {
  /** The protected field and the path it is reached by, for the test's name. */
  name: string;
  query: string;
  variables: (known: Known) => Record<string, unknown>;
  /** Where the protected field is in `data`. */
  path: Path;
  allowed: readonly Who[];
  /** Its value when allowed (a matcher is fine); a mutation's answer may depend on who asks. */
  value: (known: Known, who: Who) => unknown;
  /** Public fields of the same response and their values, which a denial must leave alone. */
  siblings: Array<{ path: Path; value: (known: Known) => unknown }>;
  /** For a non-null field (a mutation's payload): a denial nulls the whole `data`. */
  nonNull?: boolean;
  /** For a non-null field under a nullable one: where a denial's null propagates to (its nearest nullable ancestor). */
  nullsAt?: Path;
  /** For a mutation: what it writes, so a denial is shown to write nothing and an allowed call is checked and undone. */
  writes?: Writes;
  /**
   * For an object some callers may not see at all: to them the answer is the
   * one a missing id gets, null at `at` with that error code (or none).
   */
  hidden?: { from: readonly Who[]; at: Path; code: (who: Who) => string | null };
}

interface Writes {
  /** The rows the mutation would change (no timestamps: undoing may touch them), read before and after the call. */
  read: () => Promise<unknown>;
  /** After an allowed call: asserts what it wrote, then undoes it, so every cell starts from the seed. */
  checkAndUndo: (who: Who, known: Known) => Promise<void>;
}

const PRODUCT_01 = { name: 'Product 01 Kitchen', price: '1.99', costPrice: '0.50', stockQuantity: 1 };
const CATEGORY_SLUGS = [{ slug: 'garden' }, { slug: 'kitchen' }, { slug: 'office' }];

/** Alice's paid order: 2 × product-02 at 2.99 and 1 × product-03 at 3.99, paid in full. */
const ALICE_ORDER = {
  idempotencyKey: 'alice-first-order',
  items: [
    { slug: 'product-02', productName: 'Product 02 Garden', unitPriceCents: 299, quantity: 2 },
    { slug: 'product-03', productName: 'Product 03 Office', unitPriceCents: 399, quantity: 1 },
  ],
  totalCents: 997,
  total: '9.97',
  providerReference: 'pi_alice_0001',
};
/** Alice's cart: 2 × product-06. */
const ALICE_CART = { slug: 'product-06', quantity: 2 };

/** The accounts and catalog, plus alice's paid order (with its lines and payment) and her cart. */
async function seedAliceCommerce(prisma: Db): Promise<void> {
  await seedAccountsWithCatalog(prisma);
  const alice = await prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } });
  const productId = async (slug: string) => (await prisma.product.findUniqueOrThrow({ where: { slug } })).id;
  await prisma.order.create({
    data: {
      userId: alice.id,
      status: 'PAID',
      totalCents: ALICE_ORDER.totalCents,
      idempotencyKey: ALICE_ORDER.idempotencyKey,
      createdAt: new Date(Date.UTC(2026, 1, 2)),
      items: {
        create: await Promise.all(
          ALICE_ORDER.items.map(async ({ slug, ...item }) => ({ ...item, productId: await productId(slug) })),
        ),
      },
      payment: { create: { status: 'SUCCEEDED', amountCents: ALICE_ORDER.totalCents, providerReference: ALICE_ORDER.providerReference } },
    },
  });
  await prisma.cart.create({
    data: { userId: alice.id, items: { create: [{ productId: await productId(ALICE_CART.slug), quantity: ALICE_CART.quantity }] } },
  });
}

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

// The commerce rows of the table: a customer's cart and orders are theirs and
// staff's; a payment's provider reference is staff's alone, even against the
// order's owner; listing all orders and the catalog and order writes are staff's;
// shopping and reviewing need a sign-in.

const AUTHENTICATED: readonly Who[] = ['alice', 'bob', 'staff', 'admin'];
const STAFF: readonly Who[] = ['staff', 'admin'];
const SELF_OR_STAFF: readonly Who[] = ['alice', 'staff', 'admin'];

async function userIdOf(who: Exclude<Who, 'anonymous'>): Promise<number> {
  return (await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS[who].email } })).id;
}

async function productRow(slug: string) {
  return gateway.prisma.product.findUniqueOrThrow({ where: { slug } });
}

/** Every cart and its lines, by owner. */
function carts() {
  return gateway.prisma.cart.findMany({
    orderBy: { id: 'asc' },
    select: { userId: true, items: { orderBy: { id: 'asc' }, select: { productId: true, quantity: true } } },
  });
}

/** Every order's owner and status, with its lines and payment. */
function orders() {
  return gateway.prisma.order.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, userId: true, status: true, totalCents: true, items: { select: { productId: true, quantity: true } }, payment: { select: { status: true } } },
  });
}

const MATRIX_PRODUCT = { name: 'Matrix Lamp', slug: 'matrix-lamp' };
const ADJUSTED = { slug: 'product-02', stock: 2, delta: 2 };
const ADDED = { slug: 'product-03', quantity: 1 };
const REVIEWED = { slug: 'product-04', rating: 4, body: 'Reviewed in the matrix' };

function commerceOperations(): Operation[] {
  // Order.number and Order.items are non-null: denied, their null takes the node with it.
  const orderNode = (selection: string, field: string, allowed: readonly Who[], value: (known: Known) => unknown): Operation => ({
    name: `Order.${field} via node(aliceOrderId)`,
    query: `query($id: ID!) { node(id: $id) { ... on Order { ${selection} } } categories { slug } }`,
    variables: (known) => ({ id: known.aliceOrderId }),
    path: ['node', field],
    allowed,
    value,
    siblings: [{ path: ['categories'], value: () => CATEGORY_SLUGS }],
    // Another customer's order is not there for them: node(id) is null, as for an unknown id.
    hidden: { from: ['anonymous', 'bob'], at: ['node'], code: () => null },
  });
  return [
    {
      name: 'User.cart of alice via node(id)',
      query: `query($id: ID!) { node(id: $id) { id ... on User { name cart { itemCount items { quantity product { slug } } } } } }`,
      variables: (known) => ({ id: known.aliceId }),
      path: ['node', 'cart'],
      allowed: SELF_OR_STAFF,
      value: () => ({ itemCount: ALICE_CART.quantity, items: [{ quantity: ALICE_CART.quantity, product: { slug: ALICE_CART.slug } }] }),
      siblings: [
        { path: ['node', 'id'], value: (known) => known.aliceId },
        { path: ['node', 'name'], value: () => ACCOUNTS.alice.name },
      ],
    },
    {
      name: 'User.orders of alice via node(id)',
      query: `query($id: ID!) { node(id: $id) { id ... on User { name orders(first: 5) { totalCount nodes { number status } } } } }`,
      variables: (known) => ({ id: known.aliceId }),
      path: ['node', 'orders'],
      allowed: SELF_OR_STAFF,
      value: (known) => ({ totalCount: 1, nodes: [{ number: known.aliceOrderNumber, status: 'PAID' }] }),
      siblings: [
        { path: ['node', 'id'], value: (known) => known.aliceId },
        { path: ['node', 'name'], value: () => ACCOUNTS.alice.name },
      ],
    },
    {
      name: 'Query.order(aliceOrderId)',
      query: `query($id: ID!) { order(id: $id) { number status total { amount } customer { name } } categories { slug } }`,
      variables: (known) => ({ id: known.aliceOrderId }),
      path: ['order'],
      allowed: SELF_OR_STAFF,
      value: (known) => ({ number: known.aliceOrderNumber, status: 'PAID', total: { amount: ALICE_ORDER.total }, customer: { name: ACCOUNTS.alice.name } }),
      siblings: [{ path: ['categories'], value: () => CATEGORY_SLUGS }],
      // order(id) needs a sign-in; signed in, another customer's order is NOT_FOUND like an unknown id.
      hidden: { from: ['anonymous', 'bob'], at: ['order'], code: (who) => (who === 'anonymous' ? 'UNAUTHENTICATED' : 'NOT_FOUND') },
    },
    orderNode('number', 'number', SELF_OR_STAFF, (known) => known.aliceOrderNumber),
    orderNode('items { productName quantity unitPrice { amount } lineTotal { amount } }', 'items', SELF_OR_STAFF, () =>
      ALICE_ORDER.items.map(({ productName, quantity, unitPriceCents }) => ({
        productName,
        quantity,
        unitPrice: { amount: (unitPriceCents / 100).toFixed(2) },
        lineTotal: { amount: ((unitPriceCents * quantity) / 100).toFixed(2) },
      })),
    ),
    {
      // staff only: the owner is denied too (see also the owner's view of her order below)
      name: 'Payment.providerReference via node(alicePaymentId)',
      query: `query($id: ID!) { node(id: $id) { __typename ... on Payment { providerReference } } }`,
      variables: (known) => ({ id: known.alicePaymentId }),
      path: ['node', 'providerReference'],
      allowed: STAFF,
      value: () => ALICE_ORDER.providerReference,
      siblings: [],
      hidden: { from: ['anonymous', 'bob'], at: ['node'], code: () => null },
    },
    {
      name: 'Query.orders',
      query: '{ orders(first: 5) { totalCount nodes { number status } } categories { slug } }',
      variables: () => ({}),
      path: ['orders'],
      allowed: STAFF,
      value: (known) => ({ totalCount: 1, nodes: [{ number: known.aliceOrderNumber, status: 'PAID' }] }),
      siblings: [{ path: ['categories'], value: () => CATEGORY_SLUGS }],
    },
    {
      name: 'Mutation.createProduct',
      query: `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { slug name } userErrors { code } } }`,
      variables: (known) => ({ input: { ...MATRIX_PRODUCT, price: '5.00', costPrice: '2.00', stockQuantity: 3, categoryId: known.kitchenId } }),
      path: ['createProduct'],
      allowed: STAFF,
      value: () => ({ product: MATRIX_PRODUCT, userErrors: [] }),
      siblings: [],
      nonNull: true,
      writes: {
        read: async () => ({
          products: await gateway.prisma.product.count(),
          lamp: await gateway.prisma.product.findUnique({ where: { slug: MATRIX_PRODUCT.slug } }),
        }),
        checkAndUndo: async () => {
          const lamp = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: MATRIX_PRODUCT.slug } });
          expect(lamp).toMatchObject({ name: MATRIX_PRODUCT.name, priceCents: 500, costCents: 200, stockQuantity: 3, published: true });
          await gateway.prisma.product.delete({ where: { id: lamp.id } });
        },
      },
    },
    {
      name: 'Mutation.adjustStock',
      query: `mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { slug stockQuantity } userErrors { code } } }`,
      variables: (known) => ({ input: { productId: known.adjustedProductId, delta: ADJUSTED.delta } }),
      path: ['adjustStock'],
      allowed: STAFF,
      value: () => ({ product: { slug: ADJUSTED.slug, stockQuantity: ADJUSTED.stock + ADJUSTED.delta }, userErrors: [] }),
      siblings: [],
      nonNull: true,
      writes: {
        read: async () => (await productRow(ADJUSTED.slug)).stockQuantity,
        checkAndUndo: async () => {
          expect((await productRow(ADJUSTED.slug)).stockQuantity).toBe(ADJUSTED.stock + ADJUSTED.delta);
          await gateway.prisma.product.update({ where: { slug: ADJUSTED.slug }, data: { stockQuantity: ADJUSTED.stock } });
        },
      },
    },
    {
      name: 'Mutation.markOrderShipped (alice’s paid order)',
      query: `mutation($input: MarkOrderShippedInput!) { markOrderShipped(input: $input) { order { number status } userErrors { code } } }`,
      variables: (known) => ({ input: { orderId: known.aliceOrderId } }),
      path: ['markOrderShipped'],
      allowed: STAFF,
      value: (known) => ({ order: { number: known.aliceOrderNumber, status: 'SHIPPED' }, userErrors: [] }),
      siblings: [],
      nonNull: true,
      writes: {
        read: orders,
        checkAndUndo: async (_who, known) => {
          const order = await gateway.prisma.order.findUniqueOrThrow({ where: { number: known.aliceOrderNumber } });
          expect(order.status).toBe('SHIPPED');
          await gateway.prisma.order.update({ where: { id: order.id }, data: { status: 'PAID' } });
        },
      },
    },
    {
      name: 'Mutation.addToCart',
      query: `mutation($input: AddToCartInput!) { addToCart(input: $input) { cart { itemCount } userErrors { code } } }`,
      variables: (known) => ({ input: { productId: known.addedProductId, quantity: ADDED.quantity } }),
      path: ['addToCart'],
      allowed: AUTHENTICATED,
      // alice's cart already holds her seeded line
      value: (_known, who) => ({ cart: { itemCount: ADDED.quantity + (who === 'alice' ? ALICE_CART.quantity : 0) }, userErrors: [] }),
      siblings: [],
      nonNull: true,
      writes: {
        read: carts,
        checkAndUndo: async (who) => {
          if (who === 'anonymous') throw new Error('anonymous cannot be allowed');
          const cart = await gateway.prisma.cart.findUniqueOrThrow({ where: { userId: await userIdOf(who) }, include: { items: true } });
          const { id: productId } = await productRow(ADDED.slug);
          const line = cart.items.find((item) => item.productId === productId);
          expect(line?.quantity).toBe(ADDED.quantity);
          await gateway.prisma.cartItem.delete({ where: { id: line!.id } });
          if (cart.items.length === 1) await gateway.prisma.cart.delete({ where: { id: cart.id } });
        },
      },
    },
    {
      // Allowed means the service answers: alice's key is the one of her placed order, so she gets that
      // order back (idempotency); the others have no cart, so EMPTY_CART. Either way nothing is written.
      name: 'Mutation.checkout',
      query: `mutation($input: CheckoutInput!) { checkout(input: $input) { order { number } userErrors { code } } }`,
      variables: () => ({ input: { idempotencyKey: ALICE_ORDER.idempotencyKey } }),
      path: ['checkout'],
      allowed: AUTHENTICATED,
      value: (known, who) =>
        who === 'alice'
          ? { order: { number: known.aliceOrderNumber }, userErrors: [] }
          : { order: null, userErrors: [{ code: 'EMPTY_CART' }] },
      siblings: [],
      nonNull: true,
      writes: {
        read: async () => ({ orders: await orders(), carts: await carts() }),
        checkAndUndo: async () => {},
      },
    },
    {
      name: 'Mutation.createReview',
      query: `mutation($input: CreateReviewInput!) { createReview(input: $input) { review { rating body author { name } } userErrors { code } } }`,
      variables: (known) => ({ input: { productId: known.reviewedProductId, rating: REVIEWED.rating, body: REVIEWED.body } }),
      path: ['createReview'],
      allowed: AUTHENTICATED,
      value: (_known, who) => ({
        review: { rating: REVIEWED.rating, body: REVIEWED.body, author: { name: who === 'anonymous' ? null : ACCOUNTS[who].name } },
        userErrors: [],
      }),
      siblings: [],
      nonNull: true,
      writes: {
        read: async () => {
          const { id, averageRating, reviewCount } = await productRow(REVIEWED.slug);
          const reviews = await gateway.prisma.review.findMany({ where: { productId: id }, orderBy: { id: 'asc' }, select: { authorId: true, rating: true, body: true } });
          return { averageRating, reviewCount, reviews };
        },
        checkAndUndo: async (who) => {
          if (who === 'anonymous') throw new Error('anonymous cannot be allowed');
          const product = await productRow(REVIEWED.slug);
          const review = await gateway.prisma.review.findUniqueOrThrow({
            where: { productId_authorId: { productId: product.id, authorId: await userIdOf(who) } },
          });
          expect(review).toMatchObject({ rating: REVIEWED.rating, body: REVIEWED.body });
          await gateway.prisma.review.delete({ where: { id: review.id } });
          // the counters back to the remaining reviews, as the seed computes them
          await recomputeRatings(gateway.prisma, product.id);
        },
      },
    },
  ];
}

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
    writes: {
      read: bobRole,
      // the role changed only when allowed; the admin's change is undone for the next cell
      checkAndUndo: async (_who, known) => {
        expect(await bobRole()).toBe('STAFF');
        const restore = await gateway.graphql(SET_BOB_ROLE, { input: { userId: known.bobId, role: 'CUSTOMER' } }, headersOf('admin'));
        expect(at(restore.body.data, ['setUserRole', 'user', 'role'])).toBe('CUSTOMER');
      },
    },
  },
  ...commerceOperations(),
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
  gateway = await startTestGateway({ seed: seedAliceCommerce });
  for (const who of ['alice', 'bob', 'staff', 'admin'] as const) sessions.set(who, await loginAs(gateway, ACCOUNTS[who].email));

  const ids = await gateway.graphql<{ product: { id: string; reviews: { nodes: Array<{ id: string; body: string }> } } }>(
    `query($slug: String!) { product(slug: $slug) { id reviews(first: 1) { nodes { id body } } } }`,
    { slug: ALICE_REVIEWED_PRODUCT },
  );
  const review = ids.body.data?.product.reviews.nodes[0];
  if (!ids.body.data || review?.body !== ALICE_REVIEW_BODY) throw new Error(`fixture lookup failed: ${JSON.stringify(ids.body)}`);
  const alice = await gateway.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } });
  const order = await gateway.prisma.order.findFirstOrThrow({ where: { userId: alice.id }, include: { payment: true } });
  const kitchen = await gateway.prisma.category.findUniqueOrThrow({ where: { slug: 'kitchen' } });
  const productGlobalId = async (slug: string) => toGlobalId('Product', (await gateway.prisma.product.findUniqueOrThrow({ where: { slug } })).id);
  known = {
    aliceId: sessions.get('alice')!.userId,
    bobId: sessions.get('bob')!.userId,
    productId: ids.body.data.product.id,
    reviewId: review.id,
    aliceCreatedAt: alice.createdAt.toISOString(),
    userCount: await gateway.prisma.user.count(),
    aliceOrderId: toGlobalId('Order', order.id),
    aliceOrderNumber: order.number,
    alicePaymentId: toGlobalId('Payment', order.payment!.id),
    kitchenId: toGlobalId('Category', kitchen.id),
    adjustedProductId: await productGlobalId(ADJUSTED.slug),
    addedProductId: await productGlobalId(ADDED.slug),
    reviewedProductId: await productGlobalId(REVIEWED.slug),
  };
});
afterAll(() => gateway?.close());

const CELLS = OPERATIONS.flatMap((operation) =>
  EVERYONE.map((who) => ({ who, operation, verdict: operation.allowed.includes(who) ? 'allowed' : 'denied' })),
);

describe('the authorization matrix', () => {
  it.each(CELLS)('$who × $operation.name → $verdict', async ({ who, operation, verdict }) => {
    // given a caller of one role (and, for a mutation, the rows it would write)
    const before = await operation.writes?.read();

    // when it asks for the protected field among public ones
    const response = await gateway.graphql(operation.query, operation.variables(known), headersOf(who));

    expect(response.status).toBe(200);
    const hidden = operation.hidden?.from.includes(who) ? operation.hidden : undefined;
    if (hidden) {
      // then the object is not there for this caller, exactly as a missing id reads
      const code = hidden.code(who);
      expect(errorsOf(response)).toEqual(code ? [{ path: hidden.at, code }] : []);
      expect(at(response.body.data, hidden.at)).toBeNull();
    } else if (verdict === 'allowed') {
      // then the value is there, with no error at all
      expect(errorsOf(response)).toEqual([]);
      expect(at(response.body.data, operation.path)).toEqual(operation.value(known, who));
    } else {
      // then exactly that field is null, with the code for this caller at its path
      expect(errorsOf(response)).toEqual([{ path: operation.path, code: who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN' }]);
      if (operation.nonNull) expect(response.body.data).toBeNull();
      else expect(at(response.body.data, operation.nullsAt ?? operation.path)).toBeNull();
    }
    // and the public siblings of the same response are intact either way
    for (const sibling of operation.siblings) expect(at(response.body.data, sibling.path)).toEqual(sibling.value(known));

    if (operation.writes) {
      // and a mutation wrote what it should when allowed (checked, then undone for the next cell)
      if (verdict === 'allowed') await operation.writes.checkAndUndo(who, known);
      // and, denied or undone, the rows are exactly as before
      expect(await operation.writes.read()).toEqual(before);
    }
  });

  it('alice reads her order, its lines and its payment, all but the payment’s providerReference', async () => {
    // when the owner reads everything of her order, the provider reference included
    const response = await gateway.graphql(
      `query($id: ID!) {
        order(id: $id) { number status items { productName } payment { status amount { amount } providerReference } }
      }`,
      { id: known.aliceOrderId },
      headersOf('alice'),
    );

    // then only the provider reference is denied, FORBIDDEN at its path; the rest is hers to read
    expect(response.status).toBe(200);
    expect(errorsOf(response)).toEqual([{ path: ['order', 'payment', 'providerReference'], code: 'FORBIDDEN' }]);
    expect(response.body.data).toEqual({
      order: {
        number: known.aliceOrderNumber,
        status: 'PAID',
        items: ALICE_ORDER.items.map(({ productName }) => ({ productName })),
        payment: { status: 'SUCCEEDED', amount: { amount: ALICE_ORDER.total }, providerReference: null },
      },
    });
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
