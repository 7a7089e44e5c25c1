import type { CostExtension } from '../../src/graphql/plugins/cost';
import { toGlobalId } from '../../src/graphql/global-id';
import { newCustomer, seedAccountsWithCatalog, type Customer } from '../helpers/account-fixture';
import { expectNoErrors } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// The cost of the operations a storefront makes, exactly, on the catalog
// fixture (30 published products, product i has i % 6 reviews). Weights: an
// object field 1, a scalar 0, a Mutation field 10, totalCount 1; lists count
// their slicing argument (else assumedSize: 20 for connections, cart and
// order lines, 20 categories; 10 for an unannotated list such as userErrors).
// The actual cost counts what came back instead.

let gateway: TestGateway;
let shopper: Customer;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  shopper = await newCustomer(gateway, 'cost');
});
afterAll(() => gateway?.close());

type Cost = Pick<CostExtension, 'requestedQueryCost' | 'actualQueryCost'>;

async function costOf(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Cost & { response: GraphQLResponse }> {
  const response = await gateway.graphql(query, variables, headers);
  expectNoErrors(response);
  const { requestedQueryCost, actualQueryCost } = response.cost!;
  return { requestedQueryCost, actualQueryCost, response };
}

const CATALOG_PAGE = `query CatalogPage {
  products(first: 20) {
    nodes { id name price { amount currencyCode } category { name } reviews(first: 3) { nodes { rating author { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const PRODUCT_DETAIL = `query ProductDetail($slug: String!) {
  product(slug: $slug) {
    id name description inStock averageRating price { amount }
    category { name slug }
    reviews(first: 10) { totalCount nodes { rating body createdAt author { name } } }
  }
}`;

const ADD_TO_CART = `mutation AddToCart($input: AddToCartInput!) {
  addToCart(input: $input) { cart { itemCount } userErrors { code message } }
}`;

const CART = `query Cart {
  viewer { cart { id itemCount subtotal { amount } items { id quantity lineTotal { amount } product { id name price { amount } } } } }
}`;

const CHECKOUT = `mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) {
    order { id number status total { amount } items { productName quantity unitPrice { amount } } }
    userErrors { code field message }
  }
}`;

const VIEWER_ORDERS = `query ViewerOrders {
  viewer {
    orders(first: 10) {
      totalCount
      nodes { number status createdAt total { amount } items { productName quantity lineTotal { amount } } }
      pageInfo { hasNextPage }
    }
  }
}`;

describe('the cost of a storefront session', () => {
  it('prices the catalog page: 20 products × 3 reviews with their authors', async () => {
    // requested: products 1 + 20 × (product 1 + price 1 + category 1 + reviews 1 + 3 × (review 1 + author 1)) + pageInfo 1 = 202
    // actual: the 20 newest are products 30 to 11, with 39 of their reviews in the first three of each: 1 + 20 × 4 + 39 × 2 + 1 = 160
    expect(await costOf(CATALOG_PAGE)).toMatchObject({ requestedQueryCost: 202, actualQueryCost: 160 });
  });

  it('prices the product detail page by slug, with its reviews', async () => {
    // requested: product 1 + price 1 + category 1 + reviews 1 + totalCount 1 + 10 × (review 1 + author 1) = 25
    // actual: product 7 has 7 % 6 = 1 review: 5 + 1 × 2 = 7
    expect(await costOf(PRODUCT_DETAIL, { slug: 'product-07' })).toMatchObject({ requestedQueryCost: 25, actualQueryCost: 7 });
  });

  it('prices adding to the cart, the cart, checkout and the orders page', async () => {
    const products = await gateway.prisma.product.findMany({ where: { slug: { in: ['product-01', 'product-02'] } }, orderBy: { id: 'asc' } });

    // addToCart: requested 10 + cart 1 + userErrors 10 × 1 = 21; actual 10 + 1 (no user error) = 11
    for (const product of products) {
      const added = await costOf(ADD_TO_CART, { input: { productId: toGlobalId('Product', product.id), quantity: 1 } }, shopper.headers);
      expect(added.response.body.data).toMatchObject({ addToCart: { userErrors: [] } });
      expect(added).toMatchObject({ requestedQueryCost: 21, actualQueryCost: 11 });
    }

    // cart: viewer 1 + cart 1 + subtotal 1 + 20 lines × (line 1 + lineTotal 1 + product 1 + price 1) = 83; actual with 2 lines: 3 + 2 × 4 = 11
    expect(await costOf(CART, {}, shopper.headers)).toMatchObject({ requestedQueryCost: 83, actualQueryCost: 11 });

    // checkout: 10 + order 1 + total 1 + 20 × (item 1 + unitPrice 1) + userErrors 10 × 1 = 62; actual: 10 + 1 + 1 + 2 × 2 = 16
    expect(await costOf(CHECKOUT, { input: { idempotencyKey: 'cost-checkout' } }, shopper.headers)).toMatchObject({
      requestedQueryCost: 62,
      actualQueryCost: 16,
    });

    // orders: viewer 1 + orders 1 + totalCount 1 + 10 × (order 1 + total 1 + 20 × (item 1 + lineTotal 1)) + pageInfo 1 = 424
    // actual, one order of 2 lines: 3 + (1 + 1 + 2 × 2) + 1 = 10
    expect(await costOf(VIEWER_ORDERS, {}, shopper.headers)).toMatchObject({ requestedQueryCost: 424, actualQueryCost: 10 });
  });
});

describe('cost rules', () => {
  it('counts a field selected twice once in the actual cost, twice in the requested one', async () => {
    // requested: categories 2 × 20 × 1; actual: the 3 categories once, as execution merged the two selections
    expect(await costOf('{ categories { name } categories { slug } }')).toMatchObject({ requestedQueryCost: 40, actualQueryCost: 3 });
  });

  it('prices a node by the costliest type it could be, and counts what it was', async () => {
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-02' } });
    const query = `query Node($id: ID!) {
      node(id: $id) { id ... on Product { category { name } reviews(first: 5) { nodes { body } } } ... on Category { name } }
    }`;
    // requested: Product is the costliest: 1 + category 1 + reviews 1 + 5 × 1 = 8; actual: 1 + 1 + 1 + 2 reviews = 5
    expect(await costOf(query, { id: toGlobalId('Product', product.id) })).toMatchObject({ requestedQueryCost: 8, actualQueryCost: 5 });
  });

  it('sizes nodes(ids:) by the number of IDs given', async () => {
    const products = await gateway.prisma.product.findMany({ take: 3, orderBy: { id: 'asc' } });
    const ids = products.map((product) => toGlobalId('Product', product.id));
    expect(await costOf('query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids })).toMatchObject({ requestedQueryCost: 3, actualQueryCost: 3 });
  });

  it('leaves out what @skip and @include leave out', async () => {
    const query = 'query Page($withReviews: Boolean!) { products(first: 2) { nodes { name reviews(first: 5) @include(if: $withReviews) { nodes { body } } } } }';
    expect(await costOf(query, { withReviews: false })).toMatchObject({ requestedQueryCost: 3, actualQueryCost: 3 });
    expect(await costOf(query, { withReviews: true })).toMatchObject({ requestedQueryCost: 1 + 2 * (1 + 1 + 5) });
  });

  it('prices one document anew for each set of variables, however often each is sent', async () => {
    // (the gateway remembers a document's costs per operation and variables: a reused answer must be the right one)
    const query = 'query Page($n: Int!, $withReviews: Boolean!) { products(first: $n) { nodes { name reviews(first: 2) @include(if: $withReviews) { nodes { body } } } } }';
    const costs = [];
    for (const variables of [{ n: 2, withReviews: true }, { n: 5, withReviews: false }, { n: 2, withReviews: true }, { n: 5, withReviews: true }, { n: 5, withReviews: false }]) {
      const { requestedQueryCost } = await costOf(query, variables);
      costs.push(requestedQueryCost);
    }
    expect(costs).toEqual([1 + 2 * (1 + 1 + 2), 1 + 5, 1 + 2 * (1 + 1 + 2), 1 + 5 * (1 + 1 + 2), 1 + 5]);
  });

  it('reports the cost on every response: refusals and errors included', async () => {
    const raw = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ categories { name } }' }) });
    expect(((await raw.json()) as GraphQLResponse['body']).extensions).toEqual({
      cost: { requestedQueryCost: 20, actualQueryCost: 3, throttleStatus: { maximumAvailable: expect.any(Number), currentlyAvailable: expect.any(Number), restoreRate: 100 } },
    });
    const parseError = await gateway.graphql('{ categories { name }');
    const validationError = await gateway.graphql('{ categories { colour } }');
    const resolverError = await gateway.graphql('{ products(first: 500) { totalCount } }');
    const anonymousCart = await gateway.graphql(CART);
    expect(parseError.cost).toEqual({ requestedQueryCost: 0, actualQueryCost: 0, throttleStatus: expect.any(Object) });
    expect(validationError.cost).toEqual({ requestedQueryCost: 0, actualQueryCost: 0, throttleStatus: expect.any(Object) });
    // products 1 + totalCount 1, refused by the resolver (first over 100): nothing came back
    expect(resolverError.cost).toMatchObject({ requestedQueryCost: 2, actualQueryCost: 0 });
    // an anonymous viewer is null: nothing beneath it was fetched
    expect(anonymousCart.cost).toMatchObject({ requestedQueryCost: 83, actualQueryCost: 0 });
    expect(anonymousCart.cost).toMatchObject({
      throttleStatus: { maximumAvailable: expect.any(Number), currentlyAvailable: expect.any(Number), restoreRate: 100 },
    });
  });
});
