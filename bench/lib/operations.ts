// The operations `npm run bench` measures, each as a workload: the HTTP
// requests one virtual user sends per iteration, and the users to send them as.
import { graphqlCall, query, type HttpCall } from './graphql-client';

export const OPERATION_IDS = ['catalog-20x3', 'catalog-100x10', 'product-by-slug', 'viewer-orders', 'cart-checkout'] as const;
export type OperationId = (typeof OPERATION_IDS)[number];

/** What the bench finds in (or adds to) its database before it measures. */
export interface Fixtures {
  /** A published product with at least 10 reviews. */
  productSlug: string;
  /** A customer with orders (the seed gives the demo customer alice a share of them). */
  viewer: { email: string; password: string };
  /** Customers for the cart + checkout mix, one per virtual user, and the product each one buys. */
  shoppers: Array<{ email: string; productSlug: string }>;
  shopperPassword: string;
  /** Unique per run: checkout idempotency keys start with it. */
  runTag: string;
}

/** Who a virtual user is for one iteration. */
export interface VirtualUser {
  token?: string;
  productId?: string;
}

export interface Step {
  label: string;
  call(user: VirtualUser): HttpCall;
  /** A response that is HTTP 200 but did not do what was asked (GraphQL errors, user errors). */
  failed(body: string): boolean;
}

export interface Workload {
  steps: Step[];
  users: VirtualUser[];
  /** Each user runs one iteration at a time (their cart is theirs); otherwise all share the first. */
  exclusiveUsers: boolean;
}

export interface Operation {
  id: OperationId;
  title: string;
  /** The naive baseline serves it (reads of the catalog only). */
  naive: boolean;
  /** Only reads: each statement is its own transaction, so PostgreSQL's transaction count checks the statement count. */
  readOnly: boolean;
  /** Signs in and looks up what the workload needs, against the server at `url`. */
  prepare(url: string, fixtures: Fixtures): Promise<Workload>;
}

const hasErrors = (body: string) => body.includes('"errors"');
const refused = (body: string) => hasErrors(body) || !body.includes('"userErrors":[]');

function readOnly(label: string, call: HttpCall): Workload {
  return { steps: [{ label, call: () => call, failed: hasErrors }], users: [{}], exclusiveUsers: false };
}

export function catalogPage(products: number, reviews: number): string {
  return `query CatalogPage { products(first: ${products}) { nodes { name price { amount currencyCode } category { name }
    reviews(first: ${reviews}) { nodes { rating body author { name } } } } } }`;
}

export const PRODUCT_BY_SLUG = `query ProductBySlug($slug: String!) { product(slug: $slug) {
  name description price { amount currencyCode } averageRating category { name }
  reviews(first: 10) { nodes { rating body createdAt author { name } } } } }`;

export const VIEWER_ORDERS = `query ViewerOrders { viewer { name email orders(first: 10) { nodes {
  number status createdAt total { amount currencyCode }
  items { productName quantity unitPrice { amount currencyCode } product { name } } } } } }`;

const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken userErrors { message } } }`;
const ADD_TO_CART = `mutation AddToCart($input: AddToCartInput!) { addToCart(input: $input) { cart { itemCount } userErrors { message } } }`;
const CHECKOUT = `mutation Checkout($input: CheckoutInput!) { checkout(input: $input) {
  order { number status total { amount currencyCode } } userErrors { message } } }`;
const PRODUCT_ID = `query ProductId($slug: String!) { product(slug: $slug) { id } }`;

/** Checkouts so far in this run, across servers: every checkout gets a key of its own. */
let checkouts = 0;

async function signIn(url: string, email: string, password: string): Promise<string> {
  const { login } = await query<{ login: { accessToken: string | null; userErrors: Array<{ message: string }> } }>(url, LOGIN, {
    input: { email, password },
  });
  if (!login.accessToken) throw new Error(`login as ${email} refused: ${login.userErrors.map((e) => e.message).join('; ')}`);
  return login.accessToken;
}

/** Runs `work` over `items`, `width` at a time (logins hash passwords: a few in parallel, not fifty). */
async function inParallel<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

export const OPERATIONS: Record<OperationId, Operation> = {
  'catalog-20x3': {
    id: 'catalog-20x3',
    title: 'catalog 20 × 3',
    naive: true,
    readOnly: true,
    prepare: async () => readOnly('page', graphqlCall(catalogPage(20, 3))),
  },
  'catalog-100x10': {
    id: 'catalog-100x10',
    title: 'catalog 100 × 10',
    naive: true,
    readOnly: true,
    prepare: async () => readOnly('page', graphqlCall(catalogPage(100, 10))),
  },
  'product-by-slug': {
    id: 'product-by-slug',
    title: 'product by slug',
    naive: true,
    readOnly: true,
    prepare: async (_url, fixtures) => readOnly('product', graphqlCall(PRODUCT_BY_SLUG, { slug: fixtures.productSlug })),
  },
  'viewer-orders': {
    id: 'viewer-orders',
    title: 'viewer + orders',
    naive: false,
    readOnly: true,
    prepare: async (url, fixtures) => {
      const token = await signIn(url, fixtures.viewer.email, fixtures.viewer.password);
      return readOnly('viewer', graphqlCall(VIEWER_ORDERS, {}, token));
    },
  },
  'cart-checkout': {
    id: 'cart-checkout',
    title: 'cart + checkout',
    naive: false,
    readOnly: false,
    prepare: async (url, fixtures) => {
      const users = await inParallel(fixtures.shoppers, 4, async (shopper): Promise<VirtualUser> => {
        const token = await signIn(url, shopper.email, fixtures.shopperPassword);
        const { product } = await query<{ product: { id: string } | null }>(url, PRODUCT_ID, { slug: shopper.productSlug });
        if (!product) throw new Error(`product ${shopper.productSlug} not found`);
        return { token, productId: product.id };
      });
      return {
        users,
        exclusiveUsers: true,
        steps: [
          {
            label: 'addToCart',
            call: (user) => graphqlCall(ADD_TO_CART, { input: { productId: user.productId, quantity: 1 } }, user.token),
            failed: refused,
          },
          {
            label: 'checkout',
            call: (user) => graphqlCall(CHECKOUT, { input: { idempotencyKey: `${fixtures.runTag}-${(checkouts += 1)}` } }, user.token),
            failed: refused,
          },
        ],
      };
    },
  },
};
