import { getNamedType, getOperationAST, isAbstractType, isCompositeType, parse, type GraphQLNamedType, type GraphQLObjectType } from 'graphql';
import { allow } from 'graphql-shield';
import { createGateway, type Gateway } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { StatementCounter } from '../../src/db/prisma';
import { cacheHintsOf } from '../../src/graphql/cache/hints';
import { operationPolicy } from '../../src/graphql/cache/policy';
import { createSchema, permissionRules } from '../../src/graphql/schema';
import { createLogger } from '../../src/logger';
import { ACCOUNTS, signedIn, seedAccountsWithCatalog, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectCode, expectNoErrors, expectUserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// The shared response cache, as a client meets it: anonymous public queries
// are answered from the cache (no SQL) until the catalog changes; anything
// signed in, or touching a private field, never is. Tests run with the cache
// on (it is off by default under NODE_ENV=test).

const PAGE = /* GraphQL */ `
  query CatalogPage {
    products(first: 5) {
      nodes { id slug name inStock averageRating price { amount currencyCode } category { name }
        reviews(first: 3) { totalCount nodes { rating body author { name } } } }
    }
  }
`;

interface Page {
  products: {
    nodes: Array<{
      id: string;
      slug: string;
      name: string;
      inStock: boolean;
      averageRating: number | null;
      reviews: { totalCount: number; nodes: Array<{ body: string }> };
    }>;
  };
}

const CACHE_ON = { RESPONSE_CACHE: 'true' };

function cacheOf(response: GraphQLResponse<unknown>): string | null {
  return response.headers.get('x-cache');
}

/** Sends a query with GET, as a CDN-fronted client would (CSRF prevention wants the preflight header). */
async function get(gateway: TestGateway, query: string, headers: Record<string, string> = {}) {
  const url = new URL(gateway.url);
  url.searchParams.set('query', query);
  const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true', ...headers } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<Page>['body'] };
}

let gateway: TestGateway;
let staff: Customer;
let alice: Customer;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: CACHE_ON });
  [staff, alice] = await Promise.all([signedIn(gateway, ACCOUNTS.staff.email), signedIn(gateway, ACCOUNTS.alice.email)]);
}, 60_000);
afterAll(() => gateway?.close());

/** The page, read anonymously until the cache holds it (a change in an earlier test dropped it). */
async function cachedPage(): Promise<Page> {
  const first = await gateway.graphql<Page>(PAGE);
  expectNoErrors(first);
  const second = await gateway.graphql<Page>(PAGE);
  expect(cacheOf(second)).toBe('HIT');
  return second.body.data!;
}

describe('anonymous public queries', () => {
  it('are answered from the cache the second time, without a single SQL statement', async () => {
    // given a catalog page nobody asked for yet
    const query = PAGE.replace('first: 5', 'first: 4');

    // when an anonymous client asks twice
    const first = await gateway.countStatements(() => gateway.graphql<Page>(query));
    const second = await gateway.countStatements(() => gateway.graphql<Page>(query));

    // then the first ran (a miss), the second came from the cache with no SQL, and both say the same
    expectNoErrors(first.result);
    expect(cacheOf(first.result)).toBe('MISS');
    expect(first.statements).toBeGreaterThan(0);
    expect(cacheOf(second.result)).toBe('HIT');
    expect(second.statements).toBe(0);
    expect(second.result.body.data).toEqual(first.result.body.data);
    expect(first.result.body.data?.products.nodes).toHaveLength(4);
  });

  it('are cached per variables: other variables are another entry', async () => {
    // given a query with a variable, cached for one value
    const query = 'query Product($slug: String!) { product(slug: $slug) { name } }';
    await gateway.graphql(query, { slug: 'product-02' });
    const again = await gateway.graphql<{ product: { name: string } }>(query, { slug: 'product-02' });
    expect(cacheOf(again)).toBe('HIT');

    // when it is sent with another value
    const other = await gateway.graphql<{ product: { name: string } }>(query, { slug: 'product-03' });

    // then that one runs, and each answer is its own product's
    expect(cacheOf(other)).toBe('MISS');
    expect(again.body.data?.product.name).toMatch(/^Product 02/);
    expect(other.body.data?.product.name).toMatch(/^Product 03/);
  });
});

describe('what is never cached', () => {
  it("a signed-in viewer's request, private fields or not", async () => {
    // given alice asking for her email and the catalog
    const query = '{ viewer { email } products(first: 2) { nodes { name } } }';

    // when she asks twice
    const first = await gateway.graphql<{ viewer: { email: string } }>(query, undefined, alice.headers);
    const second = await gateway.countStatements(() => gateway.graphql<{ viewer: { email: string } }>(query, undefined, alice.headers));

    // then both ran, and an anonymous client asking the same gets no viewer, not hers
    expect([cacheOf(first), cacheOf(second.result)]).toEqual(['BYPASS', 'BYPASS']);
    expect(second.statements).toBeGreaterThan(0);
    expect(second.result.body.data?.viewer.email).toBe(ACCOUNTS.alice.email);
    const anonymous = await gateway.graphql<{ viewer: null }>(query);
    expect(anonymous.body.data?.viewer).toBeNull();
    expect(cacheOf(anonymous)).toBe('BYPASS');

    // and a signed-in request for public fields only is not served from the cache either
    await gateway.graphql(PAGE);
    expect(cacheOf(await gateway.graphql(PAGE, undefined, alice.headers))).toBe('BYPASS');
  });

  it("staff's view of the catalog, which shows unpublished products, is never handed to anyone else", async () => {
    // given staff reading an unpublished product through a public field
    const query = '{ product(slug: "hidden-product") { name } }';
    const asStaff = await gateway.graphql<{ product: { name: string } | null }>(query, undefined, staff.headers);
    expect(asStaff.body.data?.product?.name).toBe('Hidden Product');

    // when an anonymous client asks the same, twice
    const first = await gateway.graphql<{ product: null }>(query);
    const second = await gateway.graphql<{ product: null }>(query);

    // then it never sees the product: the staff answer was not stored
    expect(cacheOf(first)).toBe('MISS');
    expect(first.body.data?.product).toBeNull();
    expect(second.body.data?.product).toBeNull();
  });

  it('an anonymous operation that touches a private field, even when that field is empty', async () => {
    // given operations with a private part: the viewer (null when anonymous), and staff-only stock
    const withViewer = '{ viewer { name } products(first: 2) { nodes { name } } }';
    const withStock = '{ products(first: 1) { nodes { name stockQuantity } } }';

    // when an anonymous client sends each twice
    await gateway.graphql(withViewer);
    const viewerAgain = await gateway.countStatements(() => gateway.graphql<{ viewer: null }>(withViewer));
    await gateway.graphql(withStock);
    const stockAgain = await gateway.countStatements(() => gateway.graphql(withStock));

    // then every one of them ran, none was stored
    expect(cacheOf(viewerAgain.result)).toBe('BYPASS');
    expect(viewerAgain.statements).toBeGreaterThan(0);
    expectNoErrors(viewerAgain.result);
    expect(cacheOf(stockAgain.result)).toBe('BYPASS');
    expect(stockAgain.statements).toBeGreaterThan(0);
    expectCode(stockAgain.result, 'UNAUTHENTICATED');
  });

  it('a mutation', async () => {
    // when an anonymous client sends a mutation
    const response = await gateway.graphql('mutation { logout(input: { refreshToken: "none" }) { revoked } }');

    // then it has nothing to do with the cache
    expect(cacheOf(response)).toBeNull();
  });
});

describe('invalidation', () => {
  const UPDATE = 'mutation U($input: UpdateProductInput!) { updateProduct(input: $input) { product { name } userErrors { code } } }';
  const ADJUST = 'mutation A($input: AdjustStockInput!) { adjustStock(input: $input) { product { inStock } userErrors { code } } }';
  const REVIEW = 'mutation R($input: CreateReviewInput!) { createReview(input: $input) { review { id } userErrors { code } } }';

  it('a staff edit (updateProduct) drops the cached page: the next anonymous read shows the new name', async () => {
    // given a cached page
    const before = await cachedPage();
    const product = before.products.nodes[0]!;

    // when staff rename its first product
    const edit = await gateway.graphql<{ updateProduct: { product: { name: string }; userErrors: Array<{ code: string }> } }>(
      UPDATE, { input: { productId: product.id, name: 'Renamed by staff' } }, staff.headers,
    );
    expectAccepted(edit.body.data?.updateProduct);

    // then the next anonymous read runs again and shows the new name
    const after = await gateway.graphql<Page>(PAGE);
    expect(cacheOf(after)).toBe('MISS');
    expect(after.body.data?.products.nodes[0]?.name).toBe('Renamed by staff');
  });

  it('a refused edit keeps the cache', async () => {
    // given a cached page
    const product = (await cachedPage()).products.nodes[0]!;

    // when staff send an edit that is refused (an empty name)
    const edit = await gateway.graphql<{ updateProduct: { product: null; userErrors: Array<{ code: string }> } }>(
      UPDATE, { input: { productId: product.id, name: '' } }, staff.headers,
    );
    expectUserError(edit.body.data?.updateProduct, 'INVALID_NAME');

    // then the page is still served from the cache
    expect(cacheOf(await gateway.graphql(PAGE))).toBe('HIT');
  });

  it('a stock change (adjustStock) drops the cached page: inStock follows', async () => {
    // given a cached page whose first product is in stock
    const product = (await cachedPage()).products.nodes.find((node) => node.inStock)!;
    const row = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: product.slug } });

    // when staff take all of its stock away
    const adjust = await gateway.graphql<{ adjustStock: { product: { inStock: boolean }; userErrors: Array<{ code: string }> } }>(
      ADJUST, { input: { productId: product.id, delta: -row.stockQuantity } }, staff.headers,
    );
    expectAccepted(adjust.body.data?.adjustStock);

    // then the next anonymous read shows it out of stock
    const after = await gateway.graphql<Page>(PAGE);
    expect(cacheOf(after)).toBe('MISS');
    expect(after.body.data?.products.nodes.find((node) => node.id === product.id)?.inStock).toBe(false);
  });

  it('a new review (createReview) drops the cached page: the count and the newest review follow', async () => {
    // given a cached page and a product of it that alice has not reviewed
    const product = (await cachedPage()).products.nodes[1]!;

    // when alice reviews it
    const review = await gateway.graphql<{ createReview: { review: { id: string }; userErrors: Array<{ code: string }> } }>(
      REVIEW, { input: { productId: product.id, rating: 4, body: 'Cached no more' } }, alice.headers,
    );
    expectAccepted(review.body.data?.createReview);

    // then the next anonymous read has her review first and one more in the count
    const after = await gateway.graphql<Page>(PAGE);
    expect(cacheOf(after)).toBe('MISS');
    const reviews = after.body.data?.products.nodes.find((node) => node.id === product.id)?.reviews;
    expect(reviews?.nodes[0]?.body).toBe('Cached no more');
    expect(reviews?.totalCount).toBe(product.reviews.totalCount + 1);
  });

  it('a checkout, which takes stock, drops the cached page', async () => {
    // given a cached page, and alice with a product of it in her cart
    const product = (await cachedPage()).products.nodes.find((node) => node.inStock)!;
    const add = await gateway.graphql<{ addToCart: { userErrors: unknown[] } }>(
      'mutation C($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }',
      { input: { productId: product.id, quantity: 1 } },
      alice.headers,
    );
    expect(add.body.data?.addToCart.userErrors).toEqual([]);
    expect(cacheOf(await gateway.graphql(PAGE))).toBe('HIT');

    // when she checks out
    const checkout = await gateway.graphql<{ checkout: { order: { id: string }; userErrors: Array<{ code: string }> } }>(
      'mutation K($input: CheckoutInput!) { checkout(input: $input) { order { id } userErrors { code } } }',
      { input: { idempotencyKey: 'response-cache-checkout' } },
      alice.headers,
    );
    expectAccepted(checkout.body.data?.checkout);

    // then the page is read again
    expect(cacheOf(await gateway.graphql(PAGE))).toBe('MISS');
  });
});

describe('invalidation by the expiry of unpaid orders', () => {
  let short: TestGateway;
  beforeAll(async () => {
    // Unpaid orders are looked for every 200 ms (they expire after the default 30 minutes).
    short = await startTestGateway({ seed: seedAccountsWithCatalog, env: { ...CACHE_ON, ORDER_EXPIRY_INTERVAL_MS: '200' }, expiryJob: true });
  }, 60_000);
  afterAll(() => short?.close());

  it('drops the cached product when an expired order puts its stock back', async () => {
    // given the last unit of product-01 in alice's unpaid order, and the product cached as out of stock
    const customer = await signedIn(short, ACCOUNTS.alice.email);
    const query = '{ product(slug: "product-01") { id inStock } }';
    const product = (await short.graphql<{ product: { id: string } }>(query)).body.data!.product;
    const row = await short.prisma.product.findUniqueOrThrow({ where: { slug: 'product-01' } });
    await short.graphql('mutation C($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }', { input: { productId: product.id, quantity: row.stockQuantity } }, customer.headers);
    const checkout = await short.graphql<{ checkout: { order: { id: string }; userErrors: Array<{ code: string }> } }>(
      'mutation K($input: CheckoutInput!) { checkout(input: $input) { order { id } userErrors { code } } }', { input: { idempotencyKey: 'expiring' } }, customer.headers,
    );
    expectAccepted(checkout.body.data?.checkout);
    await short.graphql(query);
    const cached = await short.graphql<{ product: { inStock: boolean } }>(query);
    expect([cacheOf(cached), cached.body.data?.product.inStock]).toEqual(['HIT', false]);

    // when the order has been unpaid for longer than the payment timeout, and expires
    const order = await short.prisma.order.findFirstOrThrow({ where: { userId: customer.dbId }, orderBy: { id: 'desc' } });
    await short.prisma.order.update({ where: { id: order.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });

    // then the product is read again, in stock (long before its 60 s maxAge)
    const deadline = Date.now() + 20_000;
    let latest = cached;
    while (cacheOf(latest) === 'HIT' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = await short.graphql<{ product: { inStock: boolean } }>(query);
    }
    expect(cacheOf(latest)).toBe('MISS');
    expect(latest.body.data?.product.inStock).toBe(true);
    expect((await short.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('CANCELLED');
  }, 60_000);
});

describe('Cache-Control on GET', () => {
  it('says public with the max-age of the operation for an anonymous public query, and Age on a hit', async () => {
    // when an anonymous client GETs a public query twice (categories: 300 s; products: 60 s)
    const query = '{ categories { name } products(first: 1) { nodes { name } } }';
    const first = await get(gateway, query);
    const second = await get(gateway, query);

    // then both may be kept by a shared cache for the smallest max-age, never for a signed-in client
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    expect(first.headers.get('vary')).toMatch(/Authorization/);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('cache-control')).toBe('public, max-age=60');
    expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
  });

  it('says no-store for an anonymous query with a private part, and private, no-store when signed in', async () => {
    // when an anonymous client GETs the viewer, and alice GETs the public catalog
    const anonymous = await get(gateway, '{ viewer { name } }');
    const signed = await get(gateway, '{ categories { name } }', alice.headers);

    // then neither may be kept by a shared cache
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    expect(signed.headers.get('cache-control')).toBe('private, no-store');
  });

  it('says no-store when the answer has errors', async () => {
    // when an anonymous client GETs a public query that fails validation of its arguments
    const response = await get(gateway, '{ products(first: 101) { nodes { name } } }');

    // then the error is not to be kept
    expect(response.body.errors?.length).toBe(1);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the static cache policy of an operation', () => {
  const schema = createSchema();
  const policyOf = (source: string) => {
    const document = parse(source);
    return operationPolicy(schema, document, getOperationAST(document)!);
  };

  it('is the smallest maxAge of the fields, fragments included', () => {
    expect(policyOf('{ categories { name } }')).toEqual({ maxAge: 300, scope: 'PUBLIC' });
    expect(policyOf('{ categories { name products(first: 2) { nodes { name } } } }')).toEqual({ maxAge: 60, scope: 'PUBLIC' });
    expect(policyOf('{ product(slug: "a") { ...P } } fragment P on Product { name price { amount } reviews(first: 1) { nodes { author { name } } } }')).toEqual({
      maxAge: 60,
      scope: 'PUBLIC',
    });
  });

  it('is PRIVATE when any field on the way is, even under @include or @skip', () => {
    expect(policyOf('{ products(first: 1) { nodes { stockQuantity } } }').scope).toBe('PRIVATE');
    expect(policyOf('query Q($staff: Boolean!) { products(first: 1) { nodes { name costPrice @include(if: $staff) { amount } } } }').scope).toBe('PRIVATE');
    expect(policyOf('{ products(first: 1) { nodes { reviews(first: 1) { nodes { author { email } } } } } }').scope).toBe('PRIVATE');
  });

  it('is not cacheable for a mutation, introspection, a root field without a hint, or an interface some of whose types are private', () => {
    expect(policyOf('mutation { logout(input: { refreshToken: "x" }) { revoked } }').maxAge).toBe(0);
    expect(policyOf('{ __schema { queryType { name } } }').maxAge).toBe(0);
    expect(policyOf('{ __typename }').maxAge).toBe(0);
    expect(policyOf('{ node(id: "x") { id } }').maxAge).toBe(0);
  });
});

describe('the @cacheControl hints', () => {
  it('make every field that not everyone may read PRIVATE or uncacheable', () => {
    // given the schema, its hints, and the fields whose shield rule is more than `allow`
    const schema = createSchema();
    const hints = cacheHintsOf(schema);
    const guarded = new Set(
      Object.entries(permissionRules).flatMap(([type, fields]) =>
        Object.entries(fields).filter(([, rule]) => rule !== allow).map(([field]) => `${type}.${field}`),
      ),
    );
    expect(guarded).toContain('Product.stockQuantity');

    // when every field an anonymous query can reach while staying PUBLIC with a maxAge is collected
    // (a field returning an object without a maxAge of its own, a root field without one, or a PRIVATE one ends the path)
    const objectTypesOf = (type: GraphQLNamedType): GraphQLObjectType[] =>
      isAbstractType(type) ? [...schema.getPossibleTypes(type)] : [type as GraphQLObjectType];
    const cacheable: string[] = [];
    const seen = new Set<GraphQLObjectType>();
    const queue: Array<{ type: GraphQLObjectType; root: boolean }> = [{ type: schema.getQueryType()!, root: true }];
    while (queue.length > 0) {
      const { type, root } = queue.shift()!;
      if (seen.has(type)) continue;
      seen.add(type);
      for (const field of Object.values(type.getFields())) {
        const named = getNamedType(field.type);
        const candidates = isCompositeType(named) ? [named, ...objectTypesOf(named)] : [];
        const fieldHint = hints.field(field);
        if (fieldHint.scope === 'PRIVATE' || candidates.some((candidate) => hints.type(candidate).scope === 'PRIVATE')) continue;
        const typeHints = candidates.map((candidate) => hints.type(candidate));
        const maxAge = fieldHint.maxAge ?? (typeHints.length > 0 && typeHints.every((hint) => hint.maxAge !== undefined) ? Math.min(...typeHints.map((hint) => hint.maxAge!)) : undefined);
        const inherits = fieldHint.inheritMaxAge === true || (typeHints.length > 0 && typeHints.every((hint) => hint.inheritMaxAge));
        if (maxAge === 0 || (maxAge === undefined && (root || (isCompositeType(named) && !inherits)))) continue;
        cacheable.push(`${type.name}.${field.name}`);
        if (isCompositeType(named)) for (const next of objectTypesOf(named)) queue.push({ type: next, root: false });
      }
    }

    // then the catalog is among them, and not one guarded field
    expect(cacheable).toEqual(expect.arrayContaining(['Query.products', 'Product.inStock', 'Review.author', 'User.name']));
    expect(cacheable.filter((coordinate) => guarded.has(coordinate))).toEqual([]);
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL) {
  console.warn('TEST_REDIS_URL is unset: the response cache shared by two instances through Redis is not tested (set it, e.g. to redis://127.0.0.1:6379).');
}

(REDIS_URL ? describe : describe.skip)('two instances sharing Redis (TEST_REDIS_URL)', () => {
  const log = createLogger(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }));

  /** Another gateway over `on`'s database (the same Prisma client, so its statements are counted there), with Redis. */
  async function instance(on: TestGateway): Promise<{ gateway: Gateway; url: string }> {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...CACHE_ON, REDIS_URL: REDIS_URL!, DATABASE_URL: on.testDatabase.url });
    const database: Database = { prisma: on.prisma, statements: new StatementCounter(), embedded: on.testDatabase.embedded, description: 'shared', close: async () => undefined };
    const started = await createGateway({ config, database, log, expiryJob: false, domainEvents: false });
    return { gateway: started, url: await started.listen(0, '127.0.0.1') };
  }

  async function post(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return { cache: response.headers.get('x-cache'), body: (await response.json()) as { data?: Page; errors?: unknown[] } };
  }

  it('share one cache and one invalidation', async () => {
    // given two instances, A and B, over one database and one Redis
    const a = await startTestGateway({ seed: seedAccountsWithCatalog, env: { ...CACHE_ON, REDIS_URL: REDIS_URL! } });
    const b = await instance(a);
    try {
      const staffHeaders = (await signedIn(a, ACCOUNTS.staff.email)).headers;

      // when A answers a page, then B is asked the same
      expect(cacheOf(await a.graphql(PAGE))).toBe('MISS');
      const onB = await a.countStatements(() => post(b.url, PAGE));

      // then B answers from what A stored, without SQL
      expect(onB.result.cache).toBe('HIT');
      expect(onB.statements).toBe(0);

      // when staff rename a product through B
      const product = onB.result.body.data!.products.nodes[0]!;
      const edit = await post(b.url, 'mutation U($input: UpdateProductInput!) { updateProduct(input: $input) { userErrors { code } } }', {
        input: { productId: product.id, name: 'Renamed through B' },
      }, staffHeaders);
      expect(edit.body.errors).toBeUndefined();

      // then A's next answer is computed again, with the new name
      const onA = await a.graphql<Page>(PAGE);
      expect(cacheOf(onA)).toBe('MISS');
      expect(onA.body.data?.products.nodes[0]?.name).toBe('Renamed through B');
    } finally {
      await b.gateway.stop();
      await a.close();
    }
  }, 60_000);
});
