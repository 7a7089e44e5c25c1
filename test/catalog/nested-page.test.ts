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

  it('takes the same number of SQL statements, at most 4, for 5 and for 30 products', async () => {
    // when the page is read at two sizes
    const small = await gateway.countStatements(() => gateway.graphql<NestedPage>(NESTED_PAGE, { first: 5 }));
    const large = await gateway.countStatements(() => gateway.graphql<NestedPage>(NESTED_PAGE, { first: 30 }));

    // then both succeed and the statement count does not grow with the page
    expect(small.result.body.data?.products.nodes).toHaveLength(5);
    expect(large.result.body.data?.products.nodes).toHaveLength(30);
    expect(small.statements).toBe(4);
    expect(large.statements).toBe(small.statements);
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
