import { formatAmount } from '../../src/core/money';
import { toGlobalId } from '../../src/graphql/global-id';
import { ACCOUNTS, bearer, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { errorCodes, startTestGateway, type TestGateway } from '../helpers/test-gateway';

// A catalog page as a storefront reads it (the README's Quick start query): products with their
// category, first reviews and each review's author, in a bounded number of SQL statements.
const NESTED_PAGE = /* GraphQL */ `
  query NestedPage($first: Int!) {
    products(first: $first) {
      nodes {
        name
        price { amount currencyCode }
        category { name }
        reviews(first: 3) { totalCount nodes { rating body author { id name } } }
      }
    }
  }
`;

interface NestedPage {
  products: {
    nodes: Array<{
      name: string;
      price: { amount: string; currencyCode: string };
      category: { name: string };
      reviews: { totalCount: number; nodes: Array<{ rating: number; body: string; author: { id: string; name: string } }> };
    }>;
  };
}

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture });
});
afterAll(() => gateway?.close());

describe('the nested catalog page', () => {
  it('returns products with category, first three reviews and authors', async () => {
    // given the fixture catalog, when the newest 5 products are read with their relations
    const response = await gateway.graphql<NestedPage>(NESTED_PAGE, { first: 5 });

    // then the data is complete and correct
    expectNoErrors(response);
    const nodes = response.body.data!.products.nodes;
    expect(nodes.map((p) => p.name)).toEqual([
      'Product 30 Office',
      'Product 29 Garden',
      'Product 28 Kitchen',
      'Product 27 Office',
      'Product 26 Garden',
    ]);
    expect(nodes[0]!.price).toEqual({ amount: '30.99', currencyCode: 'USD' });
    // product 29 has 29 % 6 = 5 reviews: the newest 3 are shown, the count is all of them
    expect(nodes[1]!.reviews.totalCount).toBe(5);
    expect(nodes[1]!.reviews.nodes.map((r) => r.body)).toEqual([
      'Review 5 of Product 29 Garden',
      'Review 4 of Product 29 Garden',
      'Review 3 of Product 29 Garden',
    ]);
    expect(nodes[1]!.reviews.nodes[0]!.author.name).toBe('Reviewer 5');
  });

  it('takes the same number of SQL statements, 1, for 5 and for 30 products', async () => {
    // when the page is read at two sizes
    const small = await gateway.countStatements(() => gateway.graphql<NestedPage>(NESTED_PAGE, { first: 5 }));
    const large = await gateway.countStatements(() => gateway.graphql<NestedPage>(NESTED_PAGE, { first: 30 }));

    // then both succeed and the statement count does not grow with the page
    expect(small.result.body.data?.products.nodes).toHaveLength(5);
    expect(large.result.body.data?.products.nodes).toHaveLength(30);
    // (the page, its categories, first reviews and their authors together)
    expect(small.statements).toBe(1);
    expect(large.statements).toBe(small.statements);
  });

  it('answers the same with the reviews fetched ahead as through the loaders alone', async () => {
    // given the page as a storefront asks it (fetched ahead), and the same page with a second, differently
    // sized reviews selection, which nothing fetches ahead (the loaders read level by level)
    const ahead = await gateway.countStatements(() => gateway.graphql<NestedPage>(NESTED_PAGE, { first: 30 }));
    const LEVEL_BY_LEVEL = NESTED_PAGE.replace('reviews(first: 3) {', 'more: reviews(first: 4) { totalCount } reviews(first: 3) {');
    const levelByLevel = await gateway.countStatements(() => gateway.graphql<NestedPage>(LEVEL_BY_LEVEL, { first: 30 }));

    // then the answers are equal, in fewer statements ahead
    expectNoErrors(ahead.result);
    expectNoErrors(levelByLevel.result);
    const withoutMore = levelByLevel.result.body.data!.products.nodes.map(({ more: _more, ...product }: NestedPage['products']['nodes'][number] & { more?: unknown }) => product);
    expect(ahead.result.body.data!.products.nodes).toEqual(withoutMore);
    expect([ahead.statements, levelByLevel.statements]).toEqual([1, 4]);
  });

  it('reads ahead exactly the rows Prisma reads: every field, dates to the millisecond, nulls', async () => {
    // given every scalar a storefront can read on the page, read by an admin (who also sees stock, cost and reviewers' accounts)
    const withAdmin = await startTestGateway({ seed: seedAccountsWithCatalog });
    try {
      const admin = await loginAs(withAdmin, ACCOUNTS.admin.email);
      const query = /* GraphQL */ `{
        products(first: 30, orderBy: { field: PRICE, direction: ASC }) { nodes {
          id slug name description price { amount currencyCode } costPrice { amount } inStock stockQuantity averageRating createdAt
          category { id slug name description }
          reviews(first: 3) { totalCount nodes { id rating body createdAt author { id name email role createdAt } } }
        } }
      }`;
      const read = await withAdmin.countStatements(() => withAdmin.graphql<any>(query, {}, bearer(admin.accessToken)));
      expectNoErrors(read.result);

      // then it is what Prisma reads of the same rows, in one statement after the one that finds the viewer
      const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];
      const products = await withAdmin.prisma.product.findMany({
        where: { published: true },
        orderBy: [{ priceCents: 'asc' }, { id: 'asc' }],
        take: 30,
        include: { category: true, reviews: { orderBy: newestFirst, take: 3, include: { author: true } } },
      });
      expect(read.result.body.data.products.nodes).toEqual(
        products.map((product) => ({
          id: toGlobalId('Product', product.id),
          slug: product.slug,
          name: product.name,
          description: product.description,
          price: { amount: formatAmount(product.priceCents), currencyCode: product.currency },
          costPrice: { amount: formatAmount(product.costCents) },
          inStock: product.stockQuantity > 0,
          stockQuantity: product.stockQuantity,
          averageRating: product.reviewCount > 0 ? product.averageRating : null,
          createdAt: product.createdAt.toISOString(),
          category: { id: toGlobalId('Category', product.category.id), slug: product.category.slug, name: product.category.name, description: product.category.description },
          reviews: {
            totalCount: product.reviewCount,
            nodes: product.reviews.map((review) => ({
              id: toGlobalId('Review', review.id),
              rating: review.rating,
              body: review.body,
              createdAt: review.createdAt.toISOString(),
              author: { id: toGlobalId('User', review.author.id), name: review.author.name, email: review.author.email, role: review.author.role, createdAt: review.author.createdAt.toISOString() },
            })),
          },
        })),
      );
      expect(read.statements).toBe(2);
    } finally {
      await withAdmin.close();
    }
  });

  it('fetches ahead through fragments and edges, and not what @skip leaves out', async () => {
    const query = /* GraphQL */ `
      query Fragments($withAuthors: Boolean!) {
        products(first: 10) { edges { node { ...Card } } }
      }
      fragment Card on Product {
        name
        ... on Product { category { name } }
        reviews(first: 2) { nodes { rating author @include(if: $withAuthors) { name } } }
      }
    `;
    const withAuthors = await gateway.countStatements(() => gateway.graphql(query, { withAuthors: true }));
    const withoutAuthors = await gateway.countStatements(() => gateway.graphql(query, { withAuthors: false }));
    expectNoErrors(withAuthors.result);
    expectNoErrors(withoutAuthors.result);
    expect([withAuthors.statements, withoutAuthors.statements]).toEqual([1, 1]);
    expect(JSON.stringify(withoutAuthors.result.body.data)).not.toContain('author');
  });

  it('reads a product with its category, reviews and authors in 1 statement', async () => {
    const response = await gateway.countStatements(() =>
      gateway.graphql<{ product: { name: string; category: { name: string }; reviews: { nodes: Array<{ body: string; author: { name: string } }> } } }>(
        '{ product(slug: "product-29") { name category { name } reviews(first: 2) { nodes { body author { name } } } } }',
      ),
    );
    expectNoErrors(response.result);
    expect(response.result.body.data!.product.reviews.nodes.map((review) => review.body)).toEqual(['Review 5 of Product 29 Garden', 'Review 4 of Product 29 Garden']);
    expect(response.result.body.data!.product.reviews.nodes[0]!.author.name).toBe('Reviewer 5');
    expect(response.statements).toBe(1);
  });

  it('denies Product.costPrice with a code at its path and keeps the rest of the response', async () => {
    // given an anonymous caller, when it asks for the cost price among public fields
    const response = await gateway.graphql<{ products: { nodes: Array<{ name: string; costPrice: unknown }> } }>(
      '{ products(first: 2) { nodes { name costPrice { amount } } } }',
    );

    // then each costPrice is null with UNAUTHENTICATED at its path, and the names are there
    expect(response.body.data?.products.nodes).toEqual([
      { name: 'Product 30 Office', costPrice: null },
      { name: 'Product 29 Garden', costPrice: null },
    ]);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(response.body.errors?.map((e) => e.path)).toEqual([
      ['products', 'nodes', 0, 'costPrice'],
      ['products', 'nodes', 1, 'costPrice'],
    ]);
  });
});
