import type { ProductErrorCode } from '../../src/generated/graphql';
import { ACCOUNTS, bearer, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectAccepted, expectBadUserInput, expectCode, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';
import { globalId } from './catalog-expectations';

// The staff's catalog writes (createProduct, updateProduct, adjustStock) over
// HTTP: what they write, every refusal with its code and field, and that a
// refusal (a user error, a bad ID or a denied caller) writes nothing.

interface WrittenProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  price: { amount: string; currencyCode: string };
  costPrice: { amount: string } | null;
  stockQuantity: number | null;
  inStock: boolean;
  category: { slug: string };
}

interface ProductPayload {
  product: WrittenProduct | null;
  userErrors: Array<UserError<ProductErrorCode>>;
}

const PAYLOAD = /* GraphQL */ `
  product {
    id slug name description price { amount currencyCode } costPrice { amount } stockQuantity inStock category { slug }
  }
  userErrors { code field message }
`;
const CREATE = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { ${PAYLOAD} } }`;
const UPDATE = `mutation Update($input: UpdateProductInput!) { updateProduct(input: $input) { ${PAYLOAD} } }`;
const ADJUST = `mutation Adjust($input: AdjustStockInput!) { adjustStock(input: $input) { ${PAYLOAD} } }`;

type CreateData = { createProduct: ProductPayload };
type UpdateData = { updateProduct: ProductPayload };
type AdjustData = { adjustStock: ProductPayload };

type Caller = 'anonymous' | 'alice' | 'staff' | 'admin';

let gateway: TestGateway;
const tokens = new Map<Caller, string>();
let kitchenId: string;
let gardenId: string;

function headersFor(caller: Caller): Record<string, string> {
  if (caller === 'anonymous') return {};
  const token = tokens.get(caller);
  if (!token) throw new Error(`no session for ${caller}`);
  return bearer(token);
}

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  for (const caller of ['alice', 'staff', 'admin'] as const) tokens.set(caller, (await loginAs(gateway, ACCOUNTS[caller].email)).accessToken);
  const categories = await gateway.prisma.category.findMany();
  const idOf = (slug: string) => globalId('Category', categories.find((category) => category.slug === slug)!.id);
  kitchenId = idOf('kitchen');
  gardenId = idOf('garden');
});
afterAll(() => gateway?.close());

/** Every product row, every column: equal before and after means nothing was written. */
function productRows() {
  return gateway.prisma.product.findMany({ orderBy: { id: 'asc' } });
}

async function productIdOf(slug: string): Promise<string> {
  return globalId('Product', (await gateway.prisma.product.findUniqueOrThrow({ where: { slug } })).id);
}

function createInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Enamel Mug', slug: 'enamel-mug', price: '9.99', costPrice: '3.00', stockQuantity: 10, categoryId: kitchenId, ...overrides };
}

/** Asserts a refusal by user error: 200, no GraphQL error, no product, exactly this code and field. */
function expectRefused(response: GraphQLResponse<Record<string, ProductPayload>>, mutation: string, code: ProductErrorCode, field: string[]): void {
  expectNoErrors(response);
  expectUserError(response.body.data?.[mutation], code, field);
}

const VISIBILITY = /* GraphQL */ `
  query Visibility($slug: String!, $id: ID!) {
    bySlug: product(slug: $slug) { id name }
    byNode: node(id: $id) { id ... on Product { name } }
  }
`;
type VisibilityData = { bySlug: { id: string; name: string } | null; byNode: { id: string; name?: string } | null };

describe('createProduct', () => {
  it('creates a product, deriving the slug from the trimmed name and parsing both prices', async () => {
    // given staff, and no product of that slug yet
    expect(await gateway.prisma.product.findUnique({ where: { slug: 'espresso-cup-large' } })).toBeNull();

    // when staff create a product without a slug
    const response = await gateway.graphql<CreateData>(
      CREATE,
      { input: { name: '  Espresso Cup, Large!  ', description: 'Holds a double', price: '12.5', costPrice: '4', stockQuantity: 7, categoryId: gardenId } },
      headersFor('staff'),
    );

    // then the product comes back with the slug made from the name, and prices as money
    expectNoErrors(response);
    const product = response.body.data?.createProduct.product;
    expect(response.body.data?.createProduct.userErrors).toEqual([]);
    expect(product).toEqual({
      id: expect.any(String),
      slug: 'espresso-cup-large',
      name: 'Espresso Cup, Large!',
      description: 'Holds a double',
      price: { amount: '12.50', currencyCode: 'USD' },
      costPrice: { amount: '4.00' },
      stockQuantity: 7,
      inStock: true,
      category: { slug: 'garden' },
    });

    // and the row holds integer cents, published by default, in the garden category
    const row = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'espresso-cup-large' }, include: { category: true } });
    expect(row).toMatchObject({ name: 'Espresso Cup, Large!', priceCents: 1250, costCents: 400, stockQuantity: 7, published: true, reviewCount: 0 });
    expect(row.category.slug).toBe('garden');
    expect(product?.id).toBe(globalId('Product', row.id));

    // and anyone finds it by its slug
    const lookup = await gateway.graphql<{ product: { id: string; name: string; price: { amount: string }; averageRating: number | null } | null }>(
      'query($slug: String!) { product(slug: $slug) { id name price { amount } averageRating } }',
      { slug: 'espresso-cup-large' },
    );
    expect(lookup.body.errors).toBeUndefined();
    expect(lookup.body.data?.product).toEqual({ id: product?.id, name: 'Espresso Cup, Large!', price: { amount: '12.50' }, averageRating: null });
  });

  it('uses a given slug as it is', async () => {
    const response = await gateway.graphql<CreateData>(CREATE, { input: createInput({ name: 'Tea Towel', slug: 'towel-2' }) }, headersFor('staff'));

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createProduct.userErrors).toEqual([]);
    expect(response.body.data?.createProduct.product).toMatchObject({ slug: 'towel-2', name: 'Tea Towel' });
    expect(await gateway.prisma.product.findUnique({ where: { slug: 'towel-2' } })).toMatchObject({ name: 'Tea Towel' });
  });

  it('derives a valid slug (at most 120 characters, no trailing dash) from a long name of short words', async () => {
    // given a valid 179-character name whose full slug is "ab-ab-…-ab": its first 120 characters end on a dash
    const name = Array.from({ length: 60 }, () => 'ab').join(' ');
    const before = await productRows();

    // when staff create it without a slug
    const response = await gateway.graphql<CreateData>(CREATE, { input: createInput({ name, slug: null }) }, headersFor('staff'));

    // then it is created (the client gave no slug, so none of its input is wrong), with a well-formed slug
    expectNoErrors(response);
    expectAccepted(response.body.data?.createProduct);
    const slug = response.body.data?.createProduct.product?.slug ?? '';
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(slug.length).toBeLessThanOrEqual(120);
    expect(`${name.replace(/ /g, '-')}-`.startsWith(`${slug}-`)).toBe(true);
    expect(await productRows()).toHaveLength(before.length + 1);
  });

  it('creates an unpublished product that staff see by slug and by node, and nobody else does', async () => {
    // given staff create a product that is not published
    const created = await gateway.graphql<CreateData>(
      CREATE,
      { input: createInput({ name: 'Secret Kettle', slug: 'secret-kettle', published: false }) },
      headersFor('staff'),
    );
    expect(created.body.errors).toBeUndefined();
    const id = created.body.data?.createProduct.product?.id ?? '';
    expect(id).not.toBe('');
    expect(await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'secret-kettle' } })).toMatchObject({ published: false });

    // when each role looks it up by slug and by node
    for (const caller of ['staff', 'admin'] as const) {
      const response = await gateway.graphql<VisibilityData>(VISIBILITY, { slug: 'secret-kettle', id }, headersFor(caller));
      // then staff (admin included) see it both ways
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data).toEqual({ bySlug: { id, name: 'Secret Kettle' }, byNode: { id, name: 'Secret Kettle' } });
    }
    for (const caller of ['anonymous', 'alice'] as const) {
      const response = await gateway.graphql<VisibilityData>(VISIBILITY, { slug: 'secret-kettle', id }, headersFor(caller));
      // and to customers and anonymous callers it does not exist, without an error
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data).toEqual({ bySlug: null, byNode: null });
    }

    // and it is not in the public listing either
    const listing = await gateway.graphql<{ products: { nodes: Array<{ slug: string }> } }>(
      '{ products(first: 100, filter: { search: "Secret Kettle" }) { nodes { slug } } }',
      {},
      headersFor('alice'),
    );
    expect(listing.body.data?.products.nodes).toEqual([]);
  });

  const BAD_INPUTS: Array<{ what: string; input: Record<string, unknown>; code: ProductErrorCode; field: string }> = [
    { what: 'an empty name', input: { name: '' }, code: 'INVALID_NAME', field: 'name' },
    { what: 'a blank name', input: { name: '   ' }, code: 'INVALID_NAME', field: 'name' },
    { what: 'a 201-character name', input: { name: 'n'.repeat(201), slug: 'long-name' }, code: 'INVALID_NAME', field: 'name' },
    { what: 'the slug "Bad Slug"', input: { slug: 'Bad Slug' }, code: 'INVALID_SLUG', field: 'slug' },
    { what: 'a slug with a trailing dash', input: { slug: 'mug-' }, code: 'INVALID_SLUG', field: 'slug' },
    { what: 'the slug of an existing product', input: { slug: 'product-01' }, code: 'SLUG_TAKEN', field: 'slug' },
    { what: 'a name whose slug is taken', input: { name: 'Product 01', slug: null }, code: 'SLUG_TAKEN', field: 'slug' },
    { what: 'the price "abc"', input: { price: 'abc' }, code: 'INVALID_PRICE', field: 'price' },
    { what: 'the price "-1"', input: { price: '-1' }, code: 'INVALID_PRICE', field: 'price' },
    { what: 'the price "1.234"', input: { price: '1.234' }, code: 'INVALID_PRICE', field: 'price' },
    { what: 'the price "99999999"', input: { price: '99999999' }, code: 'INVALID_PRICE', field: 'price' },
    { what: 'the cost price "abc"', input: { costPrice: 'abc' }, code: 'INVALID_PRICE', field: 'costPrice' },
    { what: 'a stock of -1', input: { stockQuantity: -1 }, code: 'INVALID_STOCK', field: 'stockQuantity' },
    { what: 'a stock of 1,000,001', input: { stockQuantity: 1_000_001 }, code: 'INVALID_STOCK', field: 'stockQuantity' },
    { what: 'an unknown category', input: { categoryId: globalId('Category', 999_999) }, code: 'CATEGORY_NOT_FOUND', field: 'categoryId' },
    { what: 'a 5,001-character description', input: { description: 'd'.repeat(5001) }, code: 'INVALID_DESCRIPTION', field: 'description' },
  ];

  it.each(BAD_INPUTS)('refuses $what with $code on input.$field and writes nothing', async ({ input, code, field }) => {
    // given the catalog as it is
    const before = await productRows();

    // when staff create a product with one bad field
    const response = await gateway.graphql<CreateData>(CREATE, { input: createInput(input) }, headersFor('staff'));

    // then it is refused with that field's code, and no row was written
    expectRefused(response, 'createProduct', code, ['input', field]);
    expect(await productRows()).toEqual(before);
  });

  it('rejects a Product ID as categoryId with BAD_USER_INPUT and writes nothing', async () => {
    const before = await productRows();

    const response = await gateway.graphql<CreateData>(CREATE, { input: createInput({ categoryId: await productIdOf('product-02') }) }, headersFor('staff'));

    // then the whole payload is null (it is non-null), with one BAD_USER_INPUT naming the argument
    expectBadUserInput(response, ['createProduct'], 'input.categoryId');
    expect(response.body.data).toBeNull();
    expect(await productRows()).toEqual(before);
  });
});

describe('updateProduct', () => {
  it('changes only the fields given', async () => {
    // given product-04 as seeded
    const before = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-04' } });
    const id = globalId('Product', before.id);

    // when staff change only its price
    const priced = await gateway.graphql<UpdateData>(UPDATE, { input: { productId: id, price: '7.5' } }, headersFor('staff'));

    // then the price changed and nothing else did
    expect(priced.body.errors).toBeUndefined();
    expect(priced.body.data?.updateProduct).toEqual({
      product: {
        id,
        slug: 'product-04',
        name: before.name,
        description: before.description,
        price: { amount: '7.50', currencyCode: 'USD' },
        costPrice: { amount: '2.00' },
        stockQuantity: before.stockQuantity,
        inStock: true,
        category: { slug: 'kitchen' },
      },
      userErrors: [],
    });
    const afterPrice = await gateway.prisma.product.findUniqueOrThrow({ where: { id: before.id } });
    expect({ ...afterPrice, updatedAt: before.updatedAt }).toEqual({ ...before, priceCents: 750 });

    // when staff then change its name, description, cost, category and visibility together
    const changed = await gateway.graphql<UpdateData>(
      UPDATE,
      { input: { productId: id, name: ' Renamed Pan ', description: 'Now cast iron', costPrice: '3.25', categoryId: gardenId, published: false } },
      headersFor('staff'),
    );

    // then those changed, and the price set before and the slug and stock stayed
    expect(changed.body.errors).toBeUndefined();
    expect(changed.body.data?.updateProduct.userErrors).toEqual([]);
    expect(changed.body.data?.updateProduct.product).toMatchObject({
      name: 'Renamed Pan',
      description: 'Now cast iron',
      price: { amount: '7.50' },
      costPrice: { amount: '3.25' },
      category: { slug: 'garden' },
    });
    const after = await gateway.prisma.product.findUniqueOrThrow({ where: { id: before.id }, include: { category: true } });
    expect(after).toMatchObject({ slug: 'product-04', name: 'Renamed Pan', priceCents: 750, costCents: 325, stockQuantity: before.stockQuantity, published: false });
    expect(after.category.slug).toBe('garden');

    // and, unpublished now, it is gone for customers but not for staff
    const customer = await gateway.graphql<VisibilityData>(VISIBILITY, { slug: 'product-04', id }, headersFor('alice'));
    expect(customer.body.data).toEqual({ bySlug: null, byNode: null });
    const staff = await gateway.graphql<VisibilityData>(VISIBILITY, { slug: 'product-04', id }, headersFor('staff'));
    expect(staff.body.data).toEqual({ bySlug: { id, name: 'Renamed Pan' }, byNode: { id, name: 'Renamed Pan' } });
  });

  it('refuses an unknown product with PRODUCT_NOT_FOUND and writes nothing', async () => {
    const before = await productRows();

    const response = await gateway.graphql<UpdateData>(UPDATE, { input: { productId: globalId('Product', 999_999), name: 'Ghost' } }, headersFor('staff'));

    expectRefused(response, 'updateProduct', 'PRODUCT_NOT_FOUND', ['input', 'productId']);
    expect(await productRows()).toEqual(before);
  });

  it.each([
    { what: 'the price "abc"', input: { price: 'abc' }, code: 'INVALID_PRICE', field: 'price' },
    { what: 'the price "-1"', input: { price: '-1' }, code: 'INVALID_PRICE', field: 'price' },
    { what: 'the cost price "1.234"', input: { costPrice: '1.234' }, code: 'INVALID_PRICE', field: 'costPrice' },
    { what: 'an empty name', input: { name: '' }, code: 'INVALID_NAME', field: 'name' },
    { what: 'an unknown category', input: { categoryId: globalId('Category', 999_999) }, code: 'CATEGORY_NOT_FOUND', field: 'categoryId' },
  ] as const)('refuses $what with $code, leaving the valid changes of the same input unwritten too', async ({ input, code, field }) => {
    // given product-07 as it is
    const id = await productIdOf('product-07');
    const before = await productRows();

    // when staff send a valid name and description along with one bad field
    const response = await gateway.graphql<UpdateData>(
      UPDATE,
      { input: { productId: id, name: 'Should Not Stick', description: 'Nor this', published: false, ...input } },
      headersFor('staff'),
    );

    // then it is refused and the product is exactly as before
    expectRefused(response, 'updateProduct', code, ['input', field]);
    expect(await productRows()).toEqual(before);
  });
});

describe('adjustStock', () => {
  async function stockOf(slug: string): Promise<number> {
    return (await gateway.prisma.product.findUniqueOrThrow({ where: { slug } })).stockQuantity;
  }

  it('adds and removes stock', async () => {
    // given product-02 with 2 in stock
    const id = await productIdOf('product-02');
    expect(await stockOf('product-02')).toBe(2);

    // when staff add 5
    const added = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: id, delta: 5 } }, headersFor('staff'));

    // then there are 7
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data?.adjustStock.userErrors).toEqual([]);
    expect(added.body.data?.adjustStock.product).toMatchObject({ id, stockQuantity: 7, inStock: true });
    expect(await stockOf('product-02')).toBe(7);

    // when staff remove 3
    const removed = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: id, delta: -3 } }, headersFor('staff'));

    // then there are 4
    expect(removed.body.errors).toBeUndefined();
    expect(removed.body.data?.adjustStock).toMatchObject({ product: { id, stockQuantity: 4 }, userErrors: [] });
    expect(await stockOf('product-02')).toBe(4);
  });

  it('removes exactly all the stock, down to zero', async () => {
    const id = await productIdOf('product-08');

    const response = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: id, delta: -8 } }, headersFor('staff'));

    expect(response.body.data?.adjustStock).toMatchObject({ product: { stockQuantity: 0, inStock: false }, userErrors: [] });
    expect(await stockOf('product-08')).toBe(0);
  });

  it.each([
    { slug: 'product-03', stock: 3, delta: -4 },
    { slug: 'product-05', stock: 0, delta: -1 },
  ])('refuses taking $slug ($stock in stock) below zero by $delta with INSUFFICIENT_STOCK, stock unchanged', async ({ slug, stock, delta }) => {
    const id = await productIdOf(slug);
    const before = await productRows();
    expect(await stockOf(slug)).toBe(stock);

    const response = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: id, delta } }, headersFor('staff'));

    expectRefused(response, 'adjustStock', 'INSUFFICIENT_STOCK', ['input', 'delta']);
    expect(await stockOf(slug)).toBe(stock);
    expect(await productRows()).toEqual(before);
  });

  it.each([0, 2_000_000, -2_000_000])('refuses a delta of %d with INVALID_DELTA, stock unchanged', async (delta) => {
    const id = await productIdOf('product-09');
    const before = await productRows();

    const response = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: id, delta } }, headersFor('staff'));

    expectRefused(response, 'adjustStock', 'INVALID_DELTA', ['input', 'delta']);
    expect(await productRows()).toEqual(before);
  });

  it('refuses an unknown product with PRODUCT_NOT_FOUND', async () => {
    const before = await productRows();

    const response = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: globalId('Product', 999_999), delta: 1 } }, headersFor('staff'));

    expectRefused(response, 'adjustStock', 'PRODUCT_NOT_FOUND', ['input', 'productId']);
    expect(await productRows()).toEqual(before);
  });
});

describe('who may write the catalog', () => {
  // Each mutation with an input that staff would see succeed.
  const WRITES: Array<{ mutation: 'createProduct' | 'updateProduct' | 'adjustStock'; query: string; input: () => Promise<Record<string, unknown>> }> = [
    { mutation: 'createProduct', query: CREATE, input: async () => createInput({ name: 'Denied Product', slug: 'denied-product' }) },
    { mutation: 'updateProduct', query: UPDATE, input: async () => ({ productId: await productIdOf('product-10'), name: 'Denied Rename', price: '0.01' }) },
    { mutation: 'adjustStock', query: ADJUST, input: async () => ({ productId: await productIdOf('product-10'), delta: 50 }) },
  ];
  const DENIED = WRITES.flatMap((write) =>
    (['anonymous', 'alice'] as const).map((caller) => ({ ...write, caller, code: caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN' })),
  );

  it.each(DENIED)('refuses $mutation to $caller with $code, data null, and writes nothing', async ({ mutation, query, input, caller, code }) => {
    // given the catalog as it is
    const before = await productRows();

    // when a customer or an anonymous caller tries a staff mutation
    const response = await gateway.graphql(query, { input: await input() }, headersFor(caller));

    // then the whole data is null with one error at the mutation, and nothing was written
    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expectCode(response, code, { path: [mutation] });
    expect(await productRows()).toEqual(before);
  });

  it('lets an admin (ADMIN includes STAFF) create, update and adjust', async () => {
    // when an admin creates a product
    const created = await gateway.graphql<CreateData>(CREATE, { input: createInput({ name: 'Admin Product', slug: 'admin-product', stockQuantity: 1 }) }, headersFor('admin'));
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createProduct).toMatchObject({ product: { slug: 'admin-product', stockQuantity: 1 }, userErrors: [] });
    const id = created.body.data?.createProduct.product?.id;

    // and updates it
    const updated = await gateway.graphql<UpdateData>(UPDATE, { input: { productId: id, price: '2.00' } }, headersFor('admin'));
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data?.updateProduct).toMatchObject({ product: { price: { amount: '2.00' } }, userErrors: [] });

    // and adjusts its stock
    const adjusted = await gateway.graphql<AdjustData>(ADJUST, { input: { productId: id, delta: 4 } }, headersFor('admin'));
    expect(adjusted.body.errors).toBeUndefined();
    expect(adjusted.body.data?.adjustStock).toMatchObject({ product: { stockQuantity: 5 }, userErrors: [] });

    // then the row holds all three changes
    expect(await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'admin-product' } })).toMatchObject({
      name: 'Admin Product',
      priceCents: 200,
      stockQuantity: 5,
    });
  });
});
