import { expectBadUserInput, expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';
import {
  base64url,
  CATEGORIES,
  fixtureProduct,
  globalId,
  HIDDEN_PRODUCT,
  NEWEST_FIRST,
  namesOf,
  PRODUCTS,
  type PageInfo,
} from './catalog-expectations';

const PRODUCT_FIELDS = /* GraphQL */ `
  fragment ProductFields on Product {
    id slug name description price { amount currencyCode } inStock averageRating createdAt category { slug name }
  }
`;

type ProductFields = {
  id: string;
  slug: string;
  name: string;
  description: string;
  price: { amount: string; currencyCode: string };
  inStock: boolean;
  averageRating: number | null;
  createdAt: string;
  category: { slug: string; name: string };
};

type ProductLookup = { product: ProductFields | null };

type NodeLookup = {
  node:
    | { __typename: 'Product'; id: string; name: string }
    | { __typename: 'Category'; id: string; slug: string; name: string }
    | { __typename: 'Review'; id: string; rating: number; body: string; product: { id: string; name: string }; author: { name: string } }
    | { __typename: 'User'; id: string; name: string }
    | null;
};

type NodesLookup = { nodes: Array<{ __typename: string; id: string; name?: string; slug?: string; body?: string } | null> };

type ReviewsPage = {
  product: {
    id: string;
    reviews: {
      totalCount: number;
      edges: Array<{ cursor: string; node: { id: string; rating: number; body: string; author: { id: string; name: string } } }>;
      pageInfo: PageInfo;
    };
  } | null;
};

type CategoryPage = {
  category: {
    id: string;
    slug: string;
    name: string;
    description: string;
    products: { totalCount: number; nodes: Array<{ name: string }>; pageInfo: PageInfo };
  } | null;
};

const PRODUCT_BY_SLUG = `query ($slug: String) { product(slug: $slug) { ...ProductFields } } ${PRODUCT_FIELDS}`;
const PRODUCT_BY_ID = `query ($id: ID) { product(id: $id) { ...ProductFields } } ${PRODUCT_FIELDS}`;
const PRODUCT_BY_BOTH = `query ($id: ID, $slug: String) { product(id: $id, slug: $slug) { ...ProductFields } } ${PRODUCT_FIELDS}`;

const NODE = /* GraphQL */ `
  query ($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Product { name }
      ... on Category { slug name }
      ... on Review { rating body product { id name } author { name } }
      ... on User { name }
    }
  }
`;

const NODES = /* GraphQL */ `
  query ($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Product { name }
      ... on Category { slug name }
      ... on Review { body }
      ... on User { name }
    }
  }
`;

const REVIEWS_PAGE = /* GraphQL */ `
  query ($slug: String!, $first: Int, $after: String) {
    product(slug: $slug) {
      id
      reviews(first: $first, after: $after) {
        totalCount
        edges { cursor node { id rating body author { id name } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`;

const CATEGORY_PAGE = /* GraphQL */ `
  query ($slug: String!, $first: Int, $after: String) {
    category(slug: $slug) {
      id slug name description
      products(first: $first, after: $after) {
        totalCount
        nodes { name }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`;

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture });
});
afterAll(() => gateway?.close());

async function ok<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gateway.graphql<T>(query, variables);
  expectNoErrors(response);
  return response.body.data!;
}

async function productId(slug: string): Promise<string> {
  const data = await ok<ProductLookup>(PRODUCT_BY_SLUG, { slug });
  return data.product!.id;
}

describe('Query.product', () => {
  it('finds a product by slug with all its public fields', async () => {
    // when product 7 is looked up by slug
    const { product } = await ok<ProductLookup>(PRODUCT_BY_SLUG, { slug: 'product-07' });

    // then its fields are the fixture's
    expect(product).toEqual({
      id: expect.any(String),
      slug: 'product-07',
      name: 'Product 07 Kitchen',
      description: 'A rare Teapot of fine porcelain',
      price: { amount: '7.99', currencyCode: 'USD' },
      inStock: true,
      averageRating: 2,
      createdAt: '2026-01-01T00:07:00.000Z',
      category: { slug: 'kitchen', name: 'Kitchen' },
    });
  });

  it('finds the same product by the id a previous query returned', async () => {
    // given the id of product 12 from a lookup by slug
    const bySlug = await ok<ProductLookup>(PRODUCT_BY_SLUG, { slug: 'product-12' });
    const id = bySlug.product!.id;

    // when it is looked up by that id, then it is the same product
    const byId = await ok<ProductLookup>(PRODUCT_BY_ID, { id });
    expect(byId.product).toEqual(bySlug.product);
    expect(byId.product).toMatchObject({ name: 'Product 12 Office', inStock: true, averageRating: null });
  });

  it('gives null for an unknown slug and for the unpublished product', async () => {
    expect(await ok<ProductLookup>(PRODUCT_BY_SLUG, { slug: 'no-such-product' })).toEqual({ product: null });
    expect(await ok<ProductLookup>(PRODUCT_BY_SLUG, { slug: HIDDEN_PRODUCT.slug })).toEqual({ product: null });
  });

  it('gives null for the unpublished product by id', async () => {
    // given the unpublished product's database id, made into a global ID
    const hidden = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: HIDDEN_PRODUCT.slug } });

    expect(await ok<ProductLookup>(PRODUCT_BY_ID, { id: globalId('Product', hidden.id) })).toEqual({ product: null });
    expect(await ok<NodeLookup>(NODE, { id: globalId('Product', hidden.id) })).toEqual({ node: null });
  });

  it('rejects neither id nor slug with BAD_USER_INPUT', async () => {
    const response = await gateway.graphql<ProductLookup>(`{ product { name } }`);

    expectBadUserInput(response, ['product'], ['id', 'slug']);
    expect(response.body.data).toEqual({ product: null });
  });

  it('rejects both id and slug with BAD_USER_INPUT', async () => {
    const id = await productId('product-03');
    const response = await gateway.graphql<ProductLookup>(PRODUCT_BY_BOTH, { id, slug: 'product-03' });

    expectBadUserInput(response, ['product'], ['id', 'slug']);
    expect(response.body.data).toEqual({ product: null });
  });

  it('rejects a Category id given as a product id with BAD_USER_INPUT on "id"', async () => {
    // given a real category's id
    const { category } = await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'kitchen', first: 0 });

    // when it is used as a product id
    const response = await gateway.graphql<ProductLookup>(PRODUCT_BY_ID, { id: category!.id });

    // then it is refused, not looked up as product number 1
    expectBadUserInput(response, ['product'], 'id');
    expect(response.body.data).toEqual({ product: null });
  });

  it('rejects a malformed product id with BAD_USER_INPUT on "id"', async () => {
    const response = await gateway.graphql<ProductLookup>(PRODUCT_BY_ID, { id: 'not-an-id' });

    expectBadUserInput(response, ['product'], 'id');
  });
});

describe('Query.node', () => {
  it('fetches a Product, a Category, a Review and a User by their global IDs', async () => {
    // given ids read from the API: product 29, its category and its newest review and author
    const { product } = await ok<ReviewsPage>(REVIEWS_PAGE, { slug: 'product-29', first: 1 });
    const review = product!.reviews.edges[0]!.node;
    const { category } = await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'garden', first: 0 });

    // when each is fetched with node
    const productNode = await ok<NodeLookup>(NODE, { id: product!.id });
    const categoryNode = await ok<NodeLookup>(NODE, { id: category!.id });
    const reviewNode = await ok<NodeLookup>(NODE, { id: review.id });
    const userNode = await ok<NodeLookup>(NODE, { id: review.author.id });

    // then each has its type and fields
    expect(productNode.node).toEqual({ __typename: 'Product', id: product!.id, name: 'Product 29 Garden' });
    expect(categoryNode.node).toEqual({ __typename: 'Category', id: category!.id, slug: 'garden', name: 'Garden' });
    expect(reviewNode.node).toEqual({
      __typename: 'Review',
      id: review.id,
      rating: 3,
      body: 'Review 5 of Product 29 Garden',
      product: { id: product!.id, name: 'Product 29 Garden' },
      author: { name: 'Reviewer 5' },
    });
    expect(userNode.node).toEqual({ __typename: 'User', id: review.author.id, name: 'Reviewer 5' });
  });

  it.each([
    ['Product', 999_999],
    ['Category', 999_999],
    ['Review', 999_999],
    ['User', 999_999],
    ['Product', 2_147_483_647],
  ])('gives null without errors for a well-formed %s id of a missing row (%d)', async (type, id) => {
    expect(await ok<NodeLookup>(NODE, { id: globalId(type, id) })).toEqual({ node: null });
  });

  it.each([
    ['"not-an-id"', 'not-an-id'],
    ['base64 of "Coupon:1" (no such type)', globalId('Coupon', 1)],
    ['base64 of "Product:0"', globalId('Product', 0)],
    ['base64 of "Product:abc"', globalId('Product', 'abc')],
    ['base64 of "Product:-1"', globalId('Product', -1)],
    ['base64 of "Product:01"', globalId('Product', '01')],
    ['base64 of "Product:2147483648"', globalId('Product', 2_147_483_648)],
    ['base64 of "Product1"', base64url('Product1')],
    ['the unencoded "Product:1"', 'Product:1'],
    ['an empty string', ''],
  ])('rejects %s with BAD_USER_INPUT on "id"', async (_, id) => {
    const response = await gateway.graphql<NodeLookup>(NODE, { id });

    expectBadUserInput(response, ['node'], 'id');
    expect(response.body.data).toEqual({ node: null });
  });
});

describe('Query.nodes', () => {
  it('keeps the order of the ids and gives null for missing ones', async () => {
    // given ids of two products, a category, a review and a user, and two missing rows
    const { product } = await ok<ReviewsPage>(REVIEWS_PAGE, { slug: 'product-05', first: 1 });
    const review = product!.reviews.edges[0]!.node;
    const { category } = await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'office', first: 0 });
    const product20 = await productId('product-20');
    const ids = [
      product20,
      globalId('Product', 999_999),
      category!.id,
      review.id,
      product!.id,
      review.author.id,
      globalId('User', 999_999),
    ];

    // when they are fetched together
    const { nodes } = await ok<NodesLookup>(NODES, { ids });

    // then the results are in the same order, with nulls where nothing exists
    expect(nodes).toEqual([
      { __typename: 'Product', id: product20, name: 'Product 20 Garden' },
      null,
      { __typename: 'Category', id: category!.id, slug: 'office', name: 'Office' },
      { __typename: 'Review', id: review.id, body: 'Review 5 of Product 05 Garden' },
      { __typename: 'Product', id: product!.id, name: 'Product 05 Garden' },
      { __typename: 'User', id: review.author.id, name: 'Reviewer 5' },
      null,
    ]);
  });

  it('gives null for the unpublished product among visible ones', async () => {
    const hidden = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: HIDDEN_PRODUCT.slug } });
    const visible = await productId('product-01');

    const { nodes } = await ok<NodesLookup>(NODES, { ids: [globalId('Product', hidden.id), visible] });

    expect(nodes).toEqual([null, { __typename: 'Product', id: visible, name: 'Product 01 Kitchen' }]);
  });

  it('rejects a malformed id among valid ones with BAD_USER_INPUT naming its position', async () => {
    const valid = await productId('product-02');
    const response = await gateway.graphql<NodesLookup>(NODES, { ids: [valid, globalId('Coupon', 1)] });

    expectBadUserInput(response, ['nodes'], 'ids[1]');
  });

  it('allows 100 ids and rejects 101 with BAD_USER_INPUT on "ids"', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => globalId('Product', (i % 30) + 1));

    const hundred = await ok<NodesLookup>(NODES, { ids: ids.slice(0, 100) });
    expect(hundred.nodes).toHaveLength(100);

    const response = await gateway.graphql<NodesLookup>(NODES, { ids });
    expectBadUserInput(response, ['nodes'], 'ids');
    expect(response.body.data ?? null).toBeNull();
  });

  it('loads 20 products in a single SQL statement', async () => {
    // given the ids of the 20 newest products
    const page = await ok<{ products: { nodes: Array<{ id: string; name: string }> } }>(`{ products(first: 20) { nodes { id name } } }`);
    const ids = page.products.nodes.map((node) => node.id);

    // when they are fetched with nodes
    const { result, statements } = await gateway.countStatements(() => gateway.graphql<NodesLookup>(NODES, { ids }));

    // then all come, in order, from one statement
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.nodes.map((node) => node?.name)).toEqual(namesOf(NEWEST_FIRST.slice(0, 20)));
    expect(statements).toBe(1);
  });
});

describe('Query.category and Category.products', () => {
  it('gives the category with its products newest first, in pages following endCursor', async () => {
    // when the garden category's first 3 products are read
    const first = (await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'garden', first: 3 })).category!;

    // then they are its 3 newest, with 10 in all and more to come
    expect(first).toMatchObject({ slug: 'garden', name: 'Garden', description: 'All things Garden' });
    const garden = namesOf(NEWEST_FIRST.filter((p) => p.categorySlug === 'garden'));
    expect(namesOf(first.products.nodes)).toEqual(['Product 29 Garden', 'Product 26 Garden', 'Product 23 Garden']);
    expect(first.products.totalCount).toBe(10);
    expect(first.products.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    // when the next 3 are read after its endCursor
    const second = (await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'garden', first: 3, after: first.products.pageInfo.endCursor })).category!;

    // then they follow on
    expect(namesOf(second.products.nodes)).toEqual(['Product 20 Garden', 'Product 17 Garden', 'Product 14 Garden']);
    expect(second.products.totalCount).toBe(10);
    expect(second.products.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    // and reading on to the end gives each garden product once, the last page saying there is no next one
    const names = [...namesOf(first.products.nodes), ...namesOf(second.products.nodes)];
    let after = second.products.pageInfo.endCursor;
    let last = second.products.pageInfo;
    for (let i = 0; i < 5 && last.hasNextPage; i += 1) {
      const next = (await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'garden', first: 3, after })).category!;
      names.push(...namesOf(next.products.nodes));
      last = next.products.pageInfo;
      after = last.endCursor;
    }
    expect(names).toEqual(garden);
    expect(last.hasNextPage).toBe(false);
  });

  it('gives null for an unknown slug', async () => {
    expect(await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'no-such-category', first: 1 })).toEqual({ category: null });
  });

  it('does not count or list the unpublished product in its category', async () => {
    // given the unpublished product is in kitchen
    const kitchen = (await ok<CategoryPage>(CATEGORY_PAGE, { slug: 'kitchen', first: 100 })).category!;

    expect(kitchen.products.totalCount).toBe(10);
    expect(namesOf(kitchen.products.nodes)).toEqual(namesOf(NEWEST_FIRST.filter((p) => p.categorySlug === 'kitchen')));
  });

  it('rejects Category.products(first: 101) with BAD_USER_INPUT on "first"', async () => {
    const response = await gateway.graphql<CategoryPage>(CATEGORY_PAGE, { slug: 'kitchen', first: 101 });

    expectBadUserInput(response, ['category', 'products'], 'first');
  });
});

describe('Query.categories', () => {
  it('lists all categories by name', async () => {
    const { categories } = await ok<{ categories: Array<{ slug: string; name: string }> }>(`{ categories { slug name } }`);

    expect(categories).toEqual([
      { slug: 'garden', name: 'Garden' },
      { slug: 'kitchen', name: 'Kitchen' },
      { slug: 'office', name: 'Office' },
    ]);
    expect(categories).toHaveLength(CATEGORIES.length);
  });

  it('reads every category with its first products in a constant number of statements, at most 3', async () => {
    const query = (first: number) => `{ categories { slug products(first: ${first}) { totalCount nodes { name } } } }`;
    type Categories = { categories: Array<{ slug: string; products: { totalCount: number; nodes: Array<{ name: string }> } }> };

    // when the categories are read with their 5 newest products, and with 10
    const five = await gateway.countStatements(() => gateway.graphql<Categories>(query(5)));
    const ten = await gateway.countStatements(() => gateway.graphql<Categories>(query(10)));

    // then the data is right
    expect(five.result.body.errors).toBeUndefined();
    expect(five.result.body.data?.categories).toEqual(
      ['garden', 'kitchen', 'office'].map((slug) => ({
        slug,
        products: { totalCount: 10, nodes: NEWEST_FIRST.filter((p) => p.categorySlug === slug).slice(0, 5).map((p) => ({ name: p.name })) },
      })),
    );
    expect(ten.result.body.data?.categories.map((c) => c.products.nodes.length)).toEqual([10, 10, 10]);

    // and it takes at most 3 statements (categories, their product pages, their counts), whatever the page size
    expect(five.statements).toBeLessThanOrEqual(3);
    expect(ten.statements).toBe(five.statements);
  });
});

describe('Product.reviews', () => {
  it('pages through the reviews newest first, ending with hasNextPage false', async () => {
    // given product 11 with 11 % 6 = 5 reviews
    const fixture = fixtureProduct(11);
    expect(fixture.ratings).toHaveLength(5);

    // when they are read 2 at a time following endCursor
    const pages: Array<NonNullable<ReviewsPage['product']>['reviews']> = [];
    let after: string | null | undefined;
    for (let i = 0; i < 5; i += 1) {
      const { product } = await ok<ReviewsPage>(REVIEWS_PAGE, { slug: fixture.slug, first: 2, after });
      pages.push(product!.reviews);
      after = product!.reviews.pageInfo.endCursor;
      if (!product!.reviews.pageInfo.hasNextPage) break;
    }

    // then there are 3 pages (2+2+1) with every review once, newest first
    expect(pages.map((p) => p.edges.map((edge) => edge.node.body))).toEqual([
      ['Review 5 of Product 11 Garden', 'Review 4 of Product 11 Garden'],
      ['Review 3 of Product 11 Garden', 'Review 2 of Product 11 Garden'],
      ['Review 1 of Product 11 Garden'],
    ]);
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, false]);
    expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([false, true, true]);
    expect(pages.map((p) => p.totalCount)).toEqual([5, 5, 5]);
    // with the fixture's ratings and authors (review r + 1 by reviewer r + 1)
    const reviews = pages.flatMap((p) => p.edges.map((edge) => edge.node)).reverse();
    expect(reviews.map((review) => review.rating)).toEqual(fixture.ratings);
    expect(reviews.map((review) => review.author.name)).toEqual(['Reviewer 1', 'Reviewer 2', 'Reviewer 3', 'Reviewer 4', 'Reviewer 5']);
  });

  it('gives an empty connection for a product without reviews', async () => {
    const { product } = await ok<ReviewsPage>(REVIEWS_PAGE, { slug: 'product-06', first: 2 });

    expect(product!.reviews).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('rejects a garbage "after" with BAD_USER_INPUT on "after"', async () => {
    const response = await gateway.graphql<ReviewsPage>(REVIEWS_PAGE, { slug: 'product-11', first: 2, after: 'abc' });

    expectBadUserInput(response, ['product', 'reviews'], 'after');
  });
});

describe('Product.averageRating', () => {
  it('is the mean of the fixture ratings for every product, null without reviews', async () => {
    const { products } = await ok<{ products: { nodes: Array<{ name: string; averageRating: number | null }> } }>(
      `{ products(first: 30, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { name averageRating } } }`,
    );

    expect(namesOf(products.nodes)).toEqual(namesOf(PRODUCTS));
    products.nodes.forEach((node, index) => {
      const expected = PRODUCTS[index]!.averageRating;
      if (expected === null) expect(node.averageRating).toBeNull();
      else expect(node.averageRating).toBeCloseTo(expected, 10);
    });
    // spot checks: product 2 rated 2 and 3, product 9 rated 4, 5 and 1
    expect(products.nodes[1]!.averageRating).toBe(2.5);
    expect(products.nodes[8]!.averageRating).toBeCloseTo(10 / 3, 10);
  });
});

describe('Review.product', () => {
  it('leads back to the product the reviews were read from', async () => {
    // given the reviews of product 23, read through the product
    const data = await ok<{
      product: { id: string; name: string; reviews: { nodes: Array<{ id: string; product: { id: string; name: string; slug: string } }> } };
    }>(`{ product(slug: "product-23") { id name reviews(first: 10) { nodes { id product { id name slug } } } } }`);
    const product = data.product;

    // then every review's product is that product
    expect(product.reviews.nodes).toHaveLength(23 % 6);
    for (const review of product.reviews.nodes) {
      expect(review.product).toEqual({ id: product.id, name: 'Product 23 Garden', slug: 'product-23' });
    }

    // and the review fetched on its own by id leads to the same product
    const { node } = await ok<NodeLookup>(NODE, { id: product.reviews.nodes[0]!.id });
    expect(node).toMatchObject({ __typename: 'Review', product: { id: product.id, name: 'Product 23 Garden' } });
  });
});
