import { expectBadUserInput, expectNoErrors } from '../helpers/assertions';
import { seedCatalogFixture } from '../helpers/catalog-fixture';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';
import { base64url, NEWEST_FIRST, namesOf, PRODUCT_COUNT, PRODUCTS, type PageInfo } from './catalog-expectations';

const PRODUCTS_PAGE = /* GraphQL */ `
  query ProductsPage(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: ProductFilter
    $orderBy: ProductOrder
  ) {
    products(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { name } }
      nodes { name }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

type ProductsPage = {
  products: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { name: string } }>;
    nodes: Array<{ name: string }>;
    pageInfo: PageInfo;
  };
};

interface PageVariables {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
  filter?: Record<string, unknown>;
  orderBy?: { field: string; direction: 'ASC' | 'DESC' };
}

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedCatalogFixture });
});
afterAll(() => gateway?.close());

function page(variables: PageVariables): Promise<GraphQLResponse<ProductsPage>> {
  return gateway.graphql<ProductsPage>(PRODUCTS_PAGE, { ...variables });
}

/** A page that must succeed; checks that edges, nodes and the page's cursors agree. */
async function okPage(variables: PageVariables): Promise<ProductsPage['products']> {
  const response = await page(variables);
  expectNoErrors(response);
  const products = response.body.data!.products;
  expect(namesOf(products.nodes)).toEqual(products.edges.map((edge) => edge.node.name));
  expect(products.pageInfo.startCursor).toBe(products.edges[0]?.cursor ?? null);
  expect(products.pageInfo.endCursor).toBe(products.edges[products.edges.length - 1]?.cursor ?? null);
  return products;
}

/** A request that must fail as a whole with BAD_USER_INPUT naming `argument` (products is non-null, so data is null). */
async function expectRejected(variables: PageVariables, argument: string | string[]): Promise<void> {
  const response = await page(variables);
  expectBadUserInput(response, ['products'], argument);
  expect(response.body.data ?? null).toBeNull();
}

describe('paging forward with first/after', () => {
  it('collects every product exactly once, newest first, in pages of 7', async () => {
    // given the 30 fixture products, when they are read 7 at a time following endCursor
    const pages: Array<ProductsPage['products']> = [];
    let after: string | undefined;
    do {
      const current = await okPage({ first: 7, after });
      pages.push(current);
      after = current.pageInfo.endCursor ?? undefined;
      if (!current.pageInfo.hasNextPage) break;
    } while (pages.length < 10);

    // then there are 5 pages (7+7+7+7+2) whose concatenation is the default order
    expect(pages.map((p) => p.edges.length)).toEqual([7, 7, 7, 7, 2]);
    const names = pages.flatMap((p) => namesOf(p.nodes));
    expect(names).toEqual(namesOf(NEWEST_FIRST));
    expect(new Set(names).size).toBe(PRODUCT_COUNT);

    // and only the last page says there is no next page; every page after the first has a previous one
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, true, true, false]);
    expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([false, true, true, true, true]);
    // and totalCount is the whole catalog on every page
    expect(pages.map((p) => p.totalCount)).toEqual([30, 30, 30, 30, 30]);
  });

  it('starts with the 7 newest products when no cursor is given', async () => {
    // when the first page is read
    const first = await okPage({ first: 7 });

    // then it holds products 30 to 24
    expect(namesOf(first.nodes)).toEqual(namesOf(NEWEST_FIRST.slice(0, 7)));
    expect(first.nodes[0]!.name).toBe('Product 30 Office');
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('allows first: 100 and then returns the whole catalog in one page', async () => {
    // when the maximum page size is asked for
    const all = await okPage({ first: 100 });

    // then all 30 products come, with no next page
    expect(namesOf(all.nodes)).toEqual(namesOf(NEWEST_FIRST));
    expect(all.totalCount).toBe(PRODUCT_COUNT);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('defaults to the first 20 products when neither first nor last is given', async () => {
    // when no page size is given
    const defaults = await okPage({});

    // then the 20 newest come
    expect(namesOf(defaults.nodes)).toEqual(namesOf(NEWEST_FIRST.slice(0, 20)));
    expect(defaults.pageInfo.hasNextPage).toBe(true);
  });

  it('gives an empty page for first: 0 but still counts the catalog', async () => {
    // when a page of zero products is asked for
    const empty = await okPage({ first: 0 });

    // then no edges, no cursors, and the total count is unaffected
    expect(empty.edges).toEqual([]);
    expect(empty.nodes).toEqual([]);
    expect(empty.pageInfo.startCursor).toBeNull();
    expect(empty.pageInfo.endCursor).toBeNull();
    expect(empty.pageInfo.hasPreviousPage).toBe(false);
    expect(empty.totalCount).toBe(PRODUCT_COUNT);
  });
});

describe('paging backward with last/before', () => {
  it('gives the same sequence as paging forward, read from the end', async () => {
    // given the oldest page (last without before), when pages of 7 are read following startCursor
    const pages: Array<ProductsPage['products']> = [];
    let before: string | undefined;
    do {
      const current = await okPage({ last: 7, before });
      pages.push(current);
      before = current.pageInfo.startCursor ?? undefined;
      if (!current.pageInfo.hasPreviousPage) break;
    } while (pages.length < 10);

    // then each page is in display order (newest first) and together, read back to front, they are the default order
    expect(pages.map((p) => p.edges.length)).toEqual([7, 7, 7, 7, 2]);
    const backwards = pages.flatMap((p) => [...namesOf(p.nodes)].reverse());
    expect(backwards).toEqual(namesOf(NEWEST_FIRST).reverse());
    expect([...pages].reverse().flatMap((p) => namesOf(p.nodes))).toEqual(namesOf(NEWEST_FIRST));

    // and only the newest page has nothing before it; every page after the first read has something after it
    expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([true, true, true, true, false]);
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([false, true, true, true, true]);
    expect(pages.map((p) => p.totalCount)).toEqual([30, 30, 30, 30, 30]);
  });

  it('gives the oldest products, in display order, for last without before', async () => {
    // when the last 3 are asked for
    const oldest = await okPage({ last: 3 });

    // then products 3, 2, 1 come, newest of them first
    expect(namesOf(oldest.nodes)).toEqual(['Product 03 Office', 'Product 02 Garden', 'Product 01 Kitchen']);
    expect(oldest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('pages backward from a cursor found paging forward', async () => {
    // given the cursor of the 10th newest product (product 21)
    const forward = await okPage({ first: 10 });
    const tenth = forward.edges[9]!;
    expect(tenth.node.name).toBe('Product 21 Office');

    // when the 4 products before it are asked for
    const previous = await okPage({ last: 4, before: tenth.cursor });

    // then products 25 to 22 come, with more before and after them
    expect(namesOf(previous.nodes)).toEqual(namesOf(NEWEST_FIRST.slice(5, 9)));
    expect(previous.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });
});

describe('invalid page arguments', () => {
  it.each([
    ['first: 101', { first: 101 }, 'first'],
    ['last: 101', { last: 101 }, 'last'],
    ['first: -1', { first: -1 }, 'first'],
    ['last: -1', { last: -1 }, 'last'],
  ])('rejects %s with BAD_USER_INPUT naming the argument', async (_, variables, argument) => {
    await expectRejected(variables, argument);
  });

  it('rejects first and last together', async () => {
    await expectRejected({ first: 5, last: 5 }, ['first', 'last']);
  });

  it('rejects after and before together', async () => {
    // given a valid cursor
    const { endCursor } = (await okPage({ first: 2 })).pageInfo;

    // then mixing directions is still refused
    await expectRejected({ first: 2, after: endCursor!, before: endCursor! }, ['after', 'before']);
  });
});

/**
 * A real cursor of the default order, decoded, changed by `tamper` and encoded
 * again: a forged cursor that differs from a valid one in exactly one way.
 * (Cursors are opaque to clients; the test knows they are base64url JSON arrays
 * ending with the row id, and checks that premise.)
 */
async function forgedCursor(tamper: (parts: unknown[]) => unknown[]): Promise<string> {
  const { endCursor } = (await okPage({ first: 10 })).pageInfo;
  const parts: unknown = JSON.parse(Buffer.from(endCursor!, 'base64url').toString('utf8'));
  if (!Array.isArray(parts)) throw new Error(`cursors are no longer JSON arrays: ${endCursor}`);
  expect(parts[parts.length - 1]).toEqual(expect.any(Number));
  // the untampered cursor is accepted and continues after product 21
  expect(namesOf((await okPage({ first: 1, after: base64url(JSON.stringify(parts)) })).nodes)).toEqual(['Product 20 Garden']);
  return base64url(JSON.stringify(tamper([...parts])));
}

describe('invalid cursors', () => {
  it.each([
    ['not base64 JSON at all', 'abc'],
    ['base64 of text that is not JSON', base64url('hello, world')],
    ['base64 of a JSON object', base64url('{"createdAt":"2026-01-01T00:10:00.000Z","id":10}')],
    ['base64 of a JSON number', base64url('42')],
    ['base64 of an empty JSON array', base64url('[]')],
    ['an empty string', ''],
  ])('rejects an "after" that is %s with BAD_USER_INPUT', async (_, after) => {
    await expectRejected({ first: 5, after }, 'after');
  });

  it.each<[string, (parts: unknown[]) => unknown[]]>([
    ['an extra element', (parts) => [...parts, 1]],
    ['its last element (the id) missing', (parts) => parts.slice(0, -1)],
    ['a string id', (parts) => [...parts.slice(0, -1), String(parts[parts.length - 1])]],
    ['a fractional id', (parts) => [...parts.slice(0, -1), 1.5]],
    ['an id of 0', (parts) => [...parts.slice(0, -1), 0]],
    ['an id beyond a 32-bit integer', (parts) => [...parts.slice(0, -1), 3_000_000_000]],
    ['its sort value an object', (parts) => parts.map((part, i) => (i === parts.length - 2 ? { at: part } : part))],
  ])('rejects a forged cursor of the wrong shape (%s) with BAD_USER_INPUT, not an internal error', async (_, tamper) => {
    await expectRejected({ first: 5, after: await forgedCursor(tamper) }, 'after');
  });

  it('rejects a garbage "before" naming "before"', async () => {
    await expectRejected({ last: 5, before: 'abc' }, 'before');
  });

  it('rejects a cursor made under orderBy NAME when reused under orderBy PRICE', async () => {
    // given a cursor from a page ordered by name
    const byName = await okPage({ first: 3, orderBy: { field: 'NAME', direction: 'ASC' } });
    expect(namesOf(byName.nodes)).toEqual(namesOf(PRODUCTS.slice(0, 3)));
    const cursor = byName.pageInfo.endCursor!;

    // when it is used to page under another ordering, then the cursor argument is rejected
    await expectRejected({ first: 3, after: cursor, orderBy: { field: 'PRICE', direction: 'ASC' } }, 'after');
    await expectRejected({ last: 3, before: cursor, orderBy: { field: 'PRICE', direction: 'ASC' } }, 'before');
  });

  it('rejects a cursor made under orderBy PRICE when reused under orderBy NAME', async () => {
    const byPrice = await okPage({ first: 3, orderBy: { field: 'PRICE', direction: 'ASC' } });
    await expectRejected(
      { first: 3, after: byPrice.pageInfo.endCursor!, orderBy: { field: 'NAME', direction: 'ASC' } },
      'after',
    );
  });

  it('rejects a cursor of the default order (CREATED_AT) when reused under orderBy NAME', async () => {
    // given a cursor of the default, newest-first order
    const newest = await okPage({ first: 3 });

    // when it is reused under NAME, then it is rejected rather than silently restarting the list
    await expectRejected(
      { first: 3, after: newest.pageInfo.endCursor!, orderBy: { field: 'NAME', direction: 'ASC' } },
      'after',
    );
  });

  it('rejects a cursor made under orderBy PRICE when reused under orderBy RATING', async () => {
    // given a cursor from a page ordered by price
    const byPrice = await okPage({ first: 3, orderBy: { field: 'PRICE', direction: 'ASC' } });

    // when it is reused under RATING, then it is rejected rather than compared as a rating
    await expectRejected(
      { first: 3, after: byPrice.pageInfo.endCursor!, orderBy: { field: 'RATING', direction: 'DESC' } },
      'after',
    );
  });
});

describe('totalCount', () => {
  it('counts the whole catalog, whatever the page', async () => {
    expect((await okPage({ first: 1 })).totalCount).toBe(30);
    expect((await okPage({ last: 2 })).totalCount).toBe(30);
  });

  it('counts only the products matching the filter, across pages', async () => {
    // given a filter on the garden category, when a small first page is read
    const garden = await okPage({ first: 4, filter: { categorySlug: 'garden' } });

    // then the count is the 10 garden products, not the page size
    expect(garden.totalCount).toBe(10);
    expect(garden.edges).toHaveLength(4);
    expect(garden.pageInfo.hasNextPage).toBe(true);

    // and out-of-stock products (every fifth) count 6
    const outOfStock = await okPage({ first: 2, filter: { inStock: false } });
    expect(outOfStock.totalCount).toBe(6);
    expect(namesOf(outOfStock.nodes)).toEqual(['Product 30 Office', 'Product 25 Kitchen']);
  });
});
