import { expectBadUserInput, expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';
import {
  CATEGORIES,
  HIDDEN_PRODUCT,
  NEWEST_FIRST,
  namesOf,
  PRODUCTS,
  type FixtureProduct,
  type PageInfo,
} from './catalog-expectations';

const PRODUCTS_PAGE = /* GraphQL */ `
  query FilteredProducts($first: Int, $after: String, $last: Int, $before: String, $filter: ProductFilter, $orderBy: ProductOrder) {
    products(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      nodes { name slug description price { amount currencyCode } inStock averageRating category { slug } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

type ProductNode = {
  name: string;
  slug: string;
  description: string;
  price: { amount: string; currencyCode: string };
  inStock: boolean;
  averageRating: number | null;
  category: { slug: string };
};

type ProductsPage = {
  products: { totalCount: number; nodes: ProductNode[]; pageInfo: PageInfo };
};

type Direction = 'ASC' | 'DESC';
type SortField = 'NAME' | 'PRICE' | 'CREATED_AT' | 'RATING';

interface ProductFilter {
  categorySlug?: string;
  search?: string;
  minPrice?: string;
  maxPrice?: string;
  inStock?: boolean;
}

interface PageVariables {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
  filter?: ProductFilter;
  orderBy?: { field: SortField; direction: Direction };
}

let gateway: TestGateway;
/** Database id of each fixture product, by slug (the tie-breaker of every ordering). */
let idBySlug: Map<string, number>;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture });
  const rows = await gateway.prisma.product.findMany({ select: { id: true, slug: true } });
  idBySlug = new Map(rows.map((row) => [row.slug, row.id]));
});
afterAll(() => gateway?.close());

function query(variables: PageVariables): Promise<GraphQLResponse<ProductsPage>> {
  return gateway.graphql<ProductsPage>(PRODUCTS_PAGE, { ...variables });
}

async function okPage(variables: PageVariables): Promise<ProductsPage['products']> {
  const response = await query(variables);
  expectNoErrors(response);
  return response.body.data!.products;
}

/** All products of a filter and ordering in one page of 100. */
function all(filter?: ProductFilter, orderBy?: PageVariables['orderBy']): Promise<ProductsPage['products']> {
  return okPage({ first: 100, filter, orderBy });
}

/** A request that must fail as a whole with BAD_USER_INPUT naming `argument` (products is non-null, so data is null). */
async function expectRejected(variables: PageVariables, argument: string | string[]): Promise<void> {
  const response = await query(variables);
  expectBadUserInput(response, ['products'], argument);
  expect(response.body.data ?? null).toBeNull();
}

function newestFirst(predicate: (product: FixtureProduct) => boolean): string[] {
  return namesOf(NEWEST_FIRST.filter(predicate));
}

function idOf(product: FixtureProduct): number {
  const id = idBySlug.get(product.slug);
  if (id === undefined) throw new Error(`no id for ${product.slug}`);
  return id;
}

/** The fixture sorted by rating (no reviews counting as 0), ties broken by id in the same direction. */
function byRating(direction: Direction): FixtureProduct[] {
  const sign = direction === 'ASC' ? 1 : -1;
  const sum = (p: FixtureProduct) => p.ratings.reduce((total, rating) => total + rating, 0);
  const count = (p: FixtureProduct) => Math.max(p.ratings.length, 1);
  return [...PRODUCTS].sort((a, b) => {
    // compare sum(a)/count(a) with sum(b)/count(b) exactly
    const difference = sum(a) * count(b) - sum(b) * count(a);
    return sign * (difference !== 0 ? difference : idOf(a) - idOf(b));
  });
}

/** Reads a whole list page by page, forwards, and checks pageInfo on the way. */
async function collectForward(size: number, filter?: ProductFilter, orderBy?: PageVariables['orderBy']): Promise<string[]> {
  const names: string[] = [];
  let after: string | undefined;
  for (let pageNumber = 0; pageNumber < 40; pageNumber += 1) {
    const current = await okPage({ first: size, after, filter, orderBy });
    expect(current.pageInfo.hasPreviousPage).toBe(pageNumber > 0);
    names.push(...namesOf(current.nodes));
    if (!current.pageInfo.hasNextPage) return names;
    expect(current.nodes).toHaveLength(size);
    after = current.pageInfo.endCursor ?? undefined;
  }
  throw new Error('too many pages');
}

/** Reads a whole list page by page, backwards from the end, and returns it in display order. */
async function collectBackward(size: number, filter?: ProductFilter, orderBy?: PageVariables['orderBy']): Promise<string[]> {
  let names: string[] = [];
  let before: string | undefined;
  for (let pageNumber = 0; pageNumber < 40; pageNumber += 1) {
    const current = await okPage({ last: size, before, filter, orderBy });
    expect(current.pageInfo.hasNextPage).toBe(pageNumber > 0);
    names = [...namesOf(current.nodes), ...names];
    if (!current.pageInfo.hasPreviousPage) return names;
    expect(current.nodes).toHaveLength(size);
    before = current.pageInfo.startCursor ?? undefined;
  }
  throw new Error('too many pages');
}

describe('filter.categorySlug', () => {
  it.each(CATEGORIES.map((category) => [category.slug]))('gives the 10 products of %s, newest first', async (slug) => {
    // when filtering by the category
    const result = await all({ categorySlug: slug });

    // then exactly its 10 products come, newest first, each in that category
    expect(result.totalCount).toBe(10);
    expect(namesOf(result.nodes)).toEqual(newestFirst((p) => p.categorySlug === slug));
    expect(result.nodes.every((node) => node.category.slug === slug)).toBe(true);
  });

  it('gives an empty page and a zero count for an unknown slug', async () => {
    const result = await all({ categorySlug: 'no-such-category' });

    expect(result.nodes).toEqual([]);
    expect(result.totalCount).toBe(0);
    expect(result.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});

describe('filter.search', () => {
  it('finds a word of a description, case-insensitively ("teapot" finds product 7)', async () => {
    // given product 7's description "A rare Teapot of fine porcelain"
    const result = await all({ search: 'teapot' });

    expect(result.totalCount).toBe(1);
    expect(result.nodes).toEqual([
      expect.objectContaining({ name: 'Product 07 Kitchen', slug: 'product-07', description: 'A rare Teapot of fine porcelain' }),
    ]);
    expect(namesOf((await all({ search: 'TEAPOT' })).nodes)).toEqual(['Product 07 Kitchen']);
  });

  it('finds a word of the names case-insensitively ("GARDEN" finds the 10 garden products)', async () => {
    const result = await all({ search: 'GARDEN' });

    expect(result.totalCount).toBe(10);
    expect(namesOf(result.nodes)).toEqual(newestFirst((p) => p.categorySlug === 'garden'));
  });

  it('matches name or description ("product 1" is in names 10-19 and in the description of product 1)', async () => {
    // given names "Product 10 …" to "Product 19 …" and descriptions "Description of product 1", "… 10" to "… 19"
    const result = await all({ search: 'product 1' });

    expect(namesOf(result.nodes)).toEqual(newestFirst((p) => p.index === 1 || (p.index >= 10 && p.index <= 19)));
    expect(result.totalCount).toBe(11);
  });

  it('takes "%" and "_" literally, not as wildcards', async () => {
    // given no product name or description containing "%" or "_"
    const percent = await all({ search: '%' });
    const underscore = await all({ search: '_' });

    // then neither finds anything
    expect({ nodes: namesOf(percent.nodes), totalCount: percent.totalCount }).toEqual({ nodes: [], totalCount: 0 });
    expect({ nodes: namesOf(underscore.nodes), totalCount: underscore.totalCount }).toEqual({ nodes: [], totalCount: 0 });
  });

  it('allows 100 characters and rejects 101 with BAD_USER_INPUT on filter.search', async () => {
    const hundred = await all({ search: 'x'.repeat(100) });
    expect(hundred.nodes).toEqual([]);
    expect(hundred.totalCount).toBe(0);

    await expectRejected({ first: 5, filter: { search: 'x'.repeat(101) } }, 'filter.search');
  });
});

describe('filter.minPrice and filter.maxPrice', () => {
  it('includes a product priced exactly at minPrice ("5.99" starts at product 5)', async () => {
    const result = await all({ minPrice: '5.99' }, { field: 'PRICE', direction: 'ASC' });

    expect(result.totalCount).toBe(26);
    expect(namesOf(result.nodes)).toEqual(namesOf(PRODUCTS.filter((p) => p.index >= 5)));
    expect(result.nodes[0]!.price).toEqual({ amount: '5.99', currencyCode: 'USD' });
  });

  it('includes a product priced exactly at maxPrice ("5.99" ends at product 5)', async () => {
    const result = await all({ maxPrice: '5.99' }, { field: 'PRICE', direction: 'ASC' });

    expect(result.totalCount).toBe(5);
    expect(namesOf(result.nodes)).toEqual(namesOf(PRODUCTS.slice(0, 5)));
  });

  it('gives the one product at an exact price when minPrice equals maxPrice', async () => {
    expect(namesOf((await all({ minPrice: '5.99', maxPrice: '5.99' })).nodes)).toEqual(['Product 05 Garden']);
    // 9.99 is also the unpublished product's price: it must not appear
    expect(namesOf((await all({ minPrice: '9.99', maxPrice: '9.99' })).nodes)).toEqual(['Product 09 Office']);
  });

  it('excludes prices a cent outside the range', async () => {
    // given product 5 at 5.99 and product 6 at 6.99
    expect(namesOf((await all({ minPrice: '6.00', maxPrice: '6.98' })).nodes)).toEqual([]);
    expect(namesOf((await all({ minPrice: '5.98', maxPrice: '6.99' })).nodes)).toEqual(['Product 06 Office', 'Product 05 Garden']);
    expect((await all({ maxPrice: '1.98' })).totalCount).toBe(0);
    expect((await all({ minPrice: '31.00' })).totalCount).toBe(0);
  });

  it('accepts whole and one-decimal amounts ("10" means 10.00, "5.9" means 5.90)', async () => {
    expect(namesOf((await all({ minPrice: '10' })).nodes)).toEqual(newestFirst((p) => p.priceCents >= 1000));
    expect((await all({ minPrice: '10' })).totalCount).toBe(21);
    expect((await all({ minPrice: '5.9' })).totalCount).toBe(26);
    expect((await all({ minPrice: '0' })).totalCount).toBe(30);
  });

  it('handles valid amounts above what a price can be (all products under a huge maximum, none above a huge minimum)', async () => {
    // given amounts beyond 21474836.47 (the largest price in cents a 32-bit integer holds), still valid decimal amounts
    const underHugeMax = await all({ maxPrice: '99999999' });
    const overHugeMin = await all({ minPrice: '21474836.48' });

    expect(underHugeMax.totalCount).toBe(30);
    expect(overHugeMin.totalCount).toBe(0);
  });

  it.each(['abc', '-1', '1.234', '', '1,50', '1e3', '.5'])('rejects minPrice %j with BAD_USER_INPUT on filter.minPrice', async (amount) => {
    await expectRejected({ first: 5, filter: { minPrice: amount } }, 'filter.minPrice');
  });

  it.each(['abc', '-1', '1.234'])('rejects maxPrice %j with BAD_USER_INPUT on filter.maxPrice', async (amount) => {
    await expectRejected({ first: 5, filter: { maxPrice: amount } }, 'filter.maxPrice');
  });

  it('rejects minPrice above maxPrice with BAD_USER_INPUT', async () => {
    await expectRejected({ first: 5, filter: { minPrice: '10.00', maxPrice: '9.99' } }, ['filter.minPrice', 'filter.maxPrice']);
  });
});

describe('filter.inStock', () => {
  it('gives the 24 products in stock for true', async () => {
    const result = await all({ inStock: true });

    expect(result.totalCount).toBe(24);
    expect(namesOf(result.nodes)).toEqual(newestFirst((p) => p.inStock));
    expect(result.nodes.every((node) => node.inStock)).toBe(true);
  });

  it('gives the 6 products out of stock (every fifth) for false', async () => {
    const result = await all({ inStock: false });

    expect(result.totalCount).toBe(6);
    expect(namesOf(result.nodes)).toEqual([
      'Product 30 Office',
      'Product 25 Kitchen',
      'Product 20 Garden',
      'Product 15 Office',
      'Product 10 Kitchen',
      'Product 05 Garden',
    ]);
    expect(result.nodes.every((node) => !node.inStock)).toBe(true);
  });
});

describe('combined filters', () => {
  it('applies all conditions together', async () => {
    // office products out of stock (15, 30) at most 20.00 → product 15 only
    const office = await all({ categorySlug: 'office', inStock: false, maxPrice: '20.00' });
    expect(namesOf(office.nodes)).toEqual(['Product 15 Office']);
    expect(office.totalCount).toBe(1);

    // "garden" in the name, from 10.00, in stock → garden 11..29 without 20
    const garden = await all({ search: 'garden', minPrice: '10', inStock: true });
    expect(namesOf(garden.nodes)).toEqual(newestFirst((p) => p.categorySlug === 'garden' && p.priceCents >= 1000 && p.inStock));
    expect(garden.totalCount).toBe(6);

    // a search in the wrong category finds nothing
    expect((await all({ categorySlug: 'garden', search: 'teapot' })).totalCount).toBe(0);
    expect(namesOf((await all({ categorySlug: 'kitchen', search: 'teapot' })).nodes)).toEqual(['Product 07 Kitchen']);
  });
});

describe('the unpublished product', () => {
  it('never appears, whatever the filter or ordering', async () => {
    // given "Hidden Product" (kitchen, 9.99, in stock, newest, no reviews) which is unpublished
    const results = await Promise.all([
      all(),
      all({ categorySlug: 'kitchen' }),
      all({ search: 'hidden' }),
      all({ search: 'published' }),
      all({ minPrice: '9.99', maxPrice: '9.99' }),
      all({ inStock: true }),
      all(undefined, { field: 'CREATED_AT', direction: 'DESC' }),
      all(undefined, { field: 'RATING', direction: 'ASC' }),
      all(undefined, { field: 'NAME', direction: 'ASC' }),
    ]);

    for (const result of results) {
      expect(namesOf(result.nodes)).not.toContain(HIDDEN_PRODUCT.name);
      expect(result.nodes.map((node) => node.slug)).not.toContain(HIDDEN_PRODUCT.slug);
    }
    expect(results.map((result) => result.totalCount)).toEqual([30, 10, 0, 0, 1, 24, 30, 30, 30]);
  });
});

describe('orderBy', () => {
  it.each<[SortField, Direction, () => FixtureProduct[]]>([
    ['NAME', 'ASC', () => PRODUCTS],
    ['NAME', 'DESC', () => NEWEST_FIRST],
    ['PRICE', 'ASC', () => PRODUCTS],
    ['PRICE', 'DESC', () => NEWEST_FIRST],
    ['CREATED_AT', 'ASC', () => PRODUCTS],
    ['CREATED_AT', 'DESC', () => NEWEST_FIRST],
  ])('orders by %s %s', async (field, direction, expected) => {
    const result = await all(undefined, { field, direction });

    expect(namesOf(result.nodes)).toEqual(namesOf(expected()));
    expect(result.totalCount).toBe(30);
  });

  it('orders by PRICE with the prices the fixture gives', async () => {
    const result = await all(undefined, { field: 'PRICE', direction: 'DESC' });

    expect(result.nodes.map((node) => node.price.amount)).toEqual(NEWEST_FIRST.map((p) => p.amount));
    expect(result.nodes[0]!.price).toEqual({ amount: '30.99', currencyCode: 'USD' });
  });

  it('orders by RATING DESC, ties by id descending, products without reviews last as 0 with averageRating null', async () => {
    // when ordered by rating, best first
    const result = await all(undefined, { field: 'RATING', direction: 'DESC' });

    // then the order is the fixture's means, descending, with equal means by id descending
    const expected = byRating('DESC');
    expect(namesOf(result.nodes)).toEqual(namesOf(expected));
    expect(result.nodes[0]!.name).toBe('Product 25 Kitchen');
    // the nine products averaging exactly 3, by id descending
    expect(namesOf(result.nodes.filter((node) => node.averageRating === 3)).map((name) => name.slice(8, 10))).toEqual([
      '29', '27', '23', '20', '17', '13', '11', '05', '04',
    ]);
    // products without reviews (every sixth) come last, by id descending, with a null rating
    expect(result.nodes.slice(-5).map((node) => [node.name, node.averageRating])).toEqual([
      ['Product 30 Office', null],
      ['Product 24 Office', null],
      ['Product 18 Office', null],
      ['Product 12 Office', null],
      ['Product 06 Office', null],
    ]);
    // and every rating shown is the mean of the product's reviews
    result.nodes.forEach((node, position) => {
      const fixture = expected[position]!;
      if (fixture.averageRating === null) expect(node.averageRating).toBeNull();
      else expect(node.averageRating).toBeCloseTo(fixture.averageRating, 10);
    });
  });

  it('orders by RATING ASC, products without reviews first as 0, ties by id ascending', async () => {
    const result = await all(undefined, { field: 'RATING', direction: 'ASC' });

    expect(namesOf(result.nodes)).toEqual(namesOf(byRating('ASC')));
    expect(namesOf(result.nodes.slice(0, 6))).toEqual([
      'Product 06 Office',
      'Product 12 Office',
      'Product 18 Office',
      'Product 24 Office',
      'Product 30 Office',
      'Product 01 Kitchen',
    ]);
  });

  it('orders a filtered list (garden by PRICE DESC)', async () => {
    const result = await all({ categorySlug: 'garden' }, { field: 'PRICE', direction: 'DESC' });

    expect(namesOf(result.nodes)).toEqual(newestFirst((p) => p.categorySlug === 'garden'));
    expect(result.totalCount).toBe(10);
  });
});

describe('pagination under a non-default ordering', () => {
  it('concatenates pages of 4 under PRICE ASC to the full sorted list', async () => {
    // when the catalog is read cheapest first, 4 at a time
    const names = await collectForward(4, undefined, { field: 'PRICE', direction: 'ASC' });

    // then every product comes once, in price order
    expect(names).toEqual(namesOf(PRODUCTS));
  });

  it('concatenates pages of 4 under RATING DESC, across ties, to the full sorted list', async () => {
    // given nine products tied at 3.0 and five at 0, which pages of 4 cut through
    const names = await collectForward(4, undefined, { field: 'RATING', direction: 'DESC' });

    expect(names).toEqual(namesOf(byRating('DESC')));
  });

  it('concatenates pages of 3 under RATING ASC to the full sorted list', async () => {
    expect(await collectForward(3, undefined, { field: 'RATING', direction: 'ASC' })).toEqual(namesOf(byRating('ASC')));
  });

  it('concatenates pages of 4 under NAME DESC to the full sorted list', async () => {
    expect(await collectForward(4, undefined, { field: 'NAME', direction: 'DESC' })).toEqual(namesOf(NEWEST_FIRST));
  });

  it('gives the same list paging backward under PRICE ASC and under RATING DESC', async () => {
    expect(await collectBackward(4, undefined, { field: 'PRICE', direction: 'ASC' })).toEqual(namesOf(PRODUCTS));
    expect(await collectBackward(4, undefined, { field: 'RATING', direction: 'DESC' })).toEqual(namesOf(byRating('DESC')));
  });

  it('pages a filtered, ordered list (in-stock products by PRICE DESC, 5 at a time)', async () => {
    const filter = { inStock: true };
    const names = await collectForward(5, filter, { field: 'PRICE', direction: 'DESC' });

    expect(names).toEqual(newestFirst((p) => p.inStock));
    expect(names).toHaveLength(24);
  });
});
