import type { CartErrorCode } from '../../src/generated/graphql';
import { toGlobalId } from '../../src/graphql/global-id';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectBadUserInput, expectCode, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

interface CartView {
  id: string;
  itemCount: number;
  subtotal: { amount: string; currencyCode: string };
  items: Array<{ id: string; quantity: number; lineTotal: { amount: string }; product: { slug: string } }>;
}

interface CartPayload {
  cart: CartView | null;
  userErrors: Array<UserError<CartErrorCode>>;
}

const CART_FIELDS = 'id itemCount subtotal { amount currencyCode } items { id quantity lineTotal { amount } product { slug } }';
const PAYLOAD_FIELDS = `cart { ${CART_FIELDS} } userErrors { code message field }`;
const ADD = `mutation Add($input: AddToCartInput!) { addToCart(input: $input) { ${PAYLOAD_FIELDS} } }`;
const UPDATE = `mutation Update($input: UpdateCartItemInput!) { updateCartItem(input: $input) { ${PAYLOAD_FIELDS} } }`;
const REMOVE = `mutation Remove($input: RemoveFromCartInput!) { removeFromCart(input: $input) { ${PAYLOAD_FIELDS} } }`;
const VIEWER_CART = `{ viewer { cart { ${CART_FIELDS} } } }`;

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
});
afterAll(() => gateway?.close());

async function productDbId(slug: string): Promise<number> {
  return (await gateway.prisma.product.findUniqueOrThrow({ where: { slug } })).id;
}
async function productId(slug: string): Promise<string> {
  return toGlobalId('Product', await productDbId(slug));
}
async function setStock(slug: string, stockQuantity: number): Promise<void> {
  await gateway.prisma.product.update({ where: { slug }, data: { stockQuantity } });
}

async function add(customer: Customer | null, slug: string, quantity: number) {
  return addById(customer, await productId(slug), quantity);
}
async function addById(customer: Customer | null, id: string, quantity: number) {
  return gateway.graphql<{ addToCart: CartPayload }>(ADD, { input: { productId: id, quantity } }, customer?.headers ?? {});
}
async function update(customer: Customer, cartItemId: string, quantity: number) {
  return gateway.graphql<{ updateCartItem: CartPayload }>(UPDATE, { input: { cartItemId, quantity } }, customer.headers);
}
async function remove(customer: Customer, cartItemId: string) {
  return gateway.graphql<{ removeFromCart: CartPayload }>(REMOVE, { input: { cartItemId } }, customer.headers);
}
async function viewerCart(customer: Customer): Promise<CartView | null> {
  const response = await gateway.graphql<{ viewer: { cart: CartView | null } }>(VIEWER_CART, {}, customer.headers);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.viewer.cart;
}

/** The payload of a successful change: no errors of any kind, and a cart. */
function changed<K extends string>(response: GraphQLResponse<Record<K, CartPayload>>, field: K): CartView {
  expectNoErrors(response);
  return expectAccepted(response.body.data?.[field]).cart!;
}

/** The payload of a refused change: one user error with this code at this field, no cart, no GraphQL error. */
function refused<K extends string>(response: GraphQLResponse<Record<K, CartPayload>>, field: K, code: CartErrorCode, at: string[]): UserError {
  expectNoErrors(response);
  return expectUserError(response.body.data?.[field], code, at);
}

/** The database's lines of a user's cart, oldest first, as (product slug, quantity). */
async function linesOf(userDbId: number): Promise<Array<{ slug: string; quantity: number }>> {
  const items = await gateway.prisma.cartItem.findMany({
    where: { cart: { userId: userDbId } },
    orderBy: { id: 'asc' },
    include: { product: { select: { slug: true } } },
  });
  return items.map((item) => ({ slug: item.product.slug, quantity: item.quantity }));
}

/** Everything a cart test may write: carts, lines, and stock. */
async function snapshot() {
  return {
    carts: await gateway.prisma.cart.count(),
    items: await gateway.prisma.cartItem.findMany({ orderBy: { id: 'asc' } }),
    stock: await gateway.prisma.product.findMany({ select: { id: true, stockQuantity: true }, orderBy: { id: 'asc' } }),
  };
}

describe('addToCart', () => {
  it('creates the cart on first use, then adds to the existing line, with correct totals', async () => {
    // given a new customer without a cart
    const shopper = await newCustomer(gateway, 'cart-shopper');
    expect(await viewerCart(shopper)).toBeNull();
    expect(await gateway.prisma.cart.findUnique({ where: { userId: shopper.dbId } })).toBeNull();
    const stockBefore = await snapshot();

    // when it adds 2 units of product-07 (7.99 each)
    const first = changed(await add(shopper, 'product-07', 2), 'addToCart');

    // then its cart exists, with one line of 2
    const cartRow = await gateway.prisma.cart.findUniqueOrThrow({ where: { userId: shopper.dbId } });
    expect(first.id).toBe(toGlobalId('Cart', cartRow.id));
    expect(first).toEqual({
      id: first.id,
      itemCount: 2,
      subtotal: { amount: '15.98', currencyCode: 'USD' },
      items: [{ id: expect.any(String), quantity: 2, lineTotal: { amount: '15.98' }, product: { slug: 'product-07' } }],
    });

    // when it adds 3 more of the same product, and 1 of product-04 (4.99)
    const second = changed(await add(shopper, 'product-07', 3), 'addToCart');
    const third = changed(await add(shopper, 'product-04', 1), 'addToCart');

    // then the first line holds 5 (2 + 3) and the new product is a second line, after it
    expect(second.items.map((item) => item.quantity)).toEqual([5]);
    expect(second.items[0]!.id).toBe(first.items[0]!.id);
    expect(third).toEqual({
      id: first.id,
      itemCount: 6,
      subtotal: { amount: '44.94', currencyCode: 'USD' },
      items: [
        { id: first.items[0]!.id, quantity: 5, lineTotal: { amount: '39.95' }, product: { slug: 'product-07' } },
        { id: expect.any(String), quantity: 1, lineTotal: { amount: '4.99' }, product: { slug: 'product-04' } },
      ],
    });
    // and the database agrees: still one cart, two lines; a cart reserves no stock
    expect(await gateway.prisma.cart.count({ where: { userId: shopper.dbId } })).toBe(1);
    expect(await linesOf(shopper.dbId)).toEqual([
      { slug: 'product-07', quantity: 5 },
      { slug: 'product-04', quantity: 1 },
    ]);
    expect((await snapshot()).stock).toEqual(stockBefore.stock);
    // and reading the cart later gives the same
    expect(await viewerCart(shopper)).toEqual(third);
  });

  it('prices the cart at current prices', async () => {
    // given a cart with 2 of product-08 (8.99)
    const shopper = await newCustomer(gateway, 'cart-shopper');
    changed(await add(shopper, 'product-08', 2), 'addToCart');
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-08' } });

    try {
      // when the price changes to 10.00
      await gateway.prisma.product.update({ where: { id: product.id }, data: { priceCents: 1000 } });

      // then line total and subtotal follow it
      const cart = await viewerCart(shopper);
      expect(cart?.subtotal.amount).toBe('20.00');
      expect(cart?.items.map((item) => item.lineTotal.amount)).toEqual(['20.00']);
    } finally {
      await gateway.prisma.product.update({ where: { id: product.id }, data: { priceCents: product.priceCents } });
    }
  });

  it('accepts the limits themselves: 1 unit, 99 units in one line (60 + 39), and the whole stock (2 + 1 of 3)', async () => {
    // given a product with plenty of stock
    await setStock('product-11', 500);
    const shopper = await newCustomer(gateway, 'cart-shopper');

    // when 1 unit of one product, 60 + 39 of another and 2 + 1 of a product with stock 3 are added
    changed(await add(shopper, 'product-12', 1), 'addToCart');
    changed(await add(shopper, 'product-11', 60), 'addToCart');
    changed(await add(shopper, 'product-11', 39), 'addToCart');
    changed(await add(shopper, 'product-03', 2), 'addToCart');
    const cart = changed(await add(shopper, 'product-03', 1), 'addToCart');

    // then all three lines are there, at those quantities
    expect(cart.items.map((item) => [item.product.slug, item.quantity])).toEqual([
      ['product-12', 1],
      ['product-11', 99],
      ['product-03', 3],
    ]);
    expect(cart.itemCount).toBe(103);
    expect(await linesOf(shopper.dbId)).toEqual([
      { slug: 'product-12', quantity: 1 },
      { slug: 'product-11', quantity: 99 },
      { slug: 'product-03', quantity: 3 },
    ]);
  });

  describe('refusals that write nothing', () => {
    let shopper: Customer;

    beforeAll(async () => {
      // given a customer whose cart holds 2 of product-03 (stock 3) and 60 of product-13 (stock raised to 500)
      await setStock('product-13', 500);
      shopper = await newCustomer(gateway, 'cart-shopper');
      changed(await add(shopper, 'product-03', 2), 'addToCart');
      changed(await add(shopper, 'product-13', 60), 'addToCart');
    });

    it.each([0, -1, 100, 2_147_483_647])('refuses quantity %d with INVALID_QUANTITY at input.quantity', async (quantity) => {
      const before = await snapshot();
      const response = await add(shopper, 'product-12', quantity);
      refused(response, 'addToCart', 'INVALID_QUANTITY', ['input', 'quantity']);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a line reaching 100 units with QUANTITY_LIMIT (60 in the line + 40)', async () => {
      const before = await snapshot();
      refused(await add(shopper, 'product-13', 40), 'addToCart', 'QUANTITY_LIMIT', ['input', 'quantity']);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses more units than are in stock with OUT_OF_STOCK naming the product, counting the units already in the line', async () => {
      const before = await snapshot();

      // 2 in the line + 2 more > 3 in stock
      const error = refused(await add(shopper, 'product-03', 2), 'addToCart', 'OUT_OF_STOCK', ['input', 'quantity']);
      expect(error.message).toContain('Product 03 Office');
      // 4 of a product with stock 3, in a new line
      refused(await add(await newCustomer(gateway, 'cart-shopper'), 'product-03', 4), 'addToCart', 'OUT_OF_STOCK', ['input', 'quantity']);

      expect((await snapshot()).items).toEqual(before.items);
      expect((await snapshot()).stock).toEqual(before.stock);
    });

    it('refuses a product with no stock at all (product-05) with OUT_OF_STOCK', async () => {
      const before = await snapshot();
      const error = refused(await add(shopper, 'product-05', 1), 'addToCart', 'OUT_OF_STOCK', ['input', 'quantity']);
      expect(error.message).toContain('Product 05');
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      { case: 'an unpublished product', id: () => productId('hidden-product') },
      { case: 'an unknown product', id: async () => toGlobalId('Product', 999_999) },
    ])('refuses $case with PRODUCT_NOT_FOUND at input.productId', async ({ id }) => {
      const before = await snapshot();
      refused(await addById(shopper, await id(), 1), 'addToCart', 'PRODUCT_NOT_FOUND', ['input', 'productId']);
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      { case: 'a malformed id', id: async () => 'not-an-id' },
      { case: 'a Category id', id: async () => toGlobalId('Category', (await gateway.prisma.category.findFirstOrThrow()).id) },
      { case: 'a Product id beyond int4', id: async () => toGlobalId('Product', 2_147_483_648) },
    ])('answers $case as productId with BAD_USER_INPUT naming input.productId', async ({ id }) => {
      const before = await snapshot();
      const response = await addById(shopper, await id(), 1);

      // the payload is non-null, so the error takes the whole data with it
      expectBadUserInput(response, ['addToCart'], 'input.productId');
      expect(response.body.data).toBeNull();
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      { case: 'a non-integer literal (1.5)', quantity: '1.5' },
      { case: 'a string literal', quantity: '"2"' },
      { case: 'an integer beyond 32 bits', quantity: '2147483648' },
    ])('rejects $case as quantity before running anything (HTTP 400)', async ({ quantity }) => {
      const id = await productId('product-12');
      const before = await snapshot();

      const response = await gateway.graphql(
        `mutation { addToCart(input: { productId: "${id}", quantity: ${quantity} }) { userErrors { code } } }`,
        {},
        shopper.headers,
      );

      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      expectCode(response, 'GRAPHQL_VALIDATION_FAILED');
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      { case: 'a non-integer (1.5)', quantity: 1.5 },
      { case: 'a string', quantity: '2' },
    ])('rejects $case as the quantity variable before running anything (HTTP 400)', async ({ quantity }) => {
      const before = await snapshot();
      const response = await gateway.graphql(ADD, { input: { productId: await productId('product-12'), quantity } }, shopper.headers);

      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      expectCode(response, 'BAD_USER_INPUT');
      expect(response.body.errors?.[0]?.message).toContain('quantity');
      expect(await snapshot()).toEqual(before);
    });

    it('leaves the cart exactly as it was after all of the above', async () => {
      expect(await linesOf(shopper.dbId)).toEqual([
        { slug: 'product-03', quantity: 2 },
        { slug: 'product-13', quantity: 60 },
      ]);
    });
  });

  it('refuses an anonymous caller with UNAUTHENTICATED and writes nothing', async () => {
    const before = await snapshot();
    const response = await add(null, 'product-01', 1);

    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expectCode(response, 'UNAUTHENTICATED', { path: ['addToCart'] });
    expect(await snapshot()).toEqual(before);
  });
});

describe('a customer without a cart', () => {
  // "Each customer has one, created when they first add a product"; User.cart is "null before they first add a product".
  it.each([
    { case: 'addToCart of a product without stock', mutation: 'addToCart', change: (c: Customer) => add(c, 'product-05', 1), code: 'OUT_OF_STOCK', at: ['input', 'quantity'] },
    { case: 'addToCart of more than the stock', mutation: 'addToCart', change: (c: Customer) => add(c, 'product-03', 4), code: 'OUT_OF_STOCK', at: ['input', 'quantity'] },
    { case: 'addToCart of an unpublished product', mutation: 'addToCart', change: (c: Customer) => add(c, 'hidden-product', 1), code: 'PRODUCT_NOT_FOUND', at: ['input', 'productId'] },
    { case: 'updateCartItem of an unknown line', mutation: 'updateCartItem', change: (c: Customer) => update(c, toGlobalId('CartItem', 999_999), 1), code: 'CART_ITEM_NOT_FOUND', at: ['input', 'cartItemId'] },
    { case: 'removeFromCart of an unknown line', mutation: 'removeFromCart', change: (c: Customer) => remove(c, toGlobalId('CartItem', 999_999)), code: 'CART_ITEM_NOT_FOUND', at: ['input', 'cartItemId'] },
  ] as const)('still has no cart after $case is refused', async ({ mutation, change, code, at }) => {
    // given a new customer without a cart
    const shopper = await newCustomer(gateway, 'cart-shopper');
    const before = await snapshot();

    // when its first change of the cart is refused
    const response = (await change(shopper)) as GraphQLResponse<Record<typeof mutation, CartPayload>>;
    refused(response, mutation, code, [...at]);

    // then nothing was written: it still has no cart
    expect(await snapshot()).toEqual(before);
    expect(await gateway.prisma.cart.findUnique({ where: { userId: shopper.dbId } })).toBeNull();
    expect(await viewerCart(shopper)).toBeNull();
  });
});

describe('updateCartItem', () => {
  let shopper: Customer;
  let lineId: string;

  beforeAll(async () => {
    // given a customer with 2 of product-09 (stock 9, 9.99 each) and 1 of product-02 (2.99)
    shopper = await newCustomer(gateway, 'cart-shopper');
    const cart = changed(await add(shopper, 'product-09', 2), 'addToCart');
    changed(await add(shopper, 'product-02', 1), 'addToCart');
    lineId = cart.items[0]!.id;
  });

  it('sets the quantity of the line', async () => {
    // when the line of product-09 is set to 5
    const cart = changed(await update(shopper, lineId, 5), 'updateCartItem');

    // then it holds 5 (not 2 + 5), and the totals follow
    expect(cart.items.map((item) => [item.product.slug, item.quantity, item.lineTotal.amount])).toEqual([
      ['product-09', 5, '49.95'],
      ['product-02', 1, '2.99'],
    ]);
    expect(cart.itemCount).toBe(6);
    expect(cart.subtotal.amount).toBe('52.94');
    expect(await linesOf(shopper.dbId)).toEqual([
      { slug: 'product-09', quantity: 5 },
      { slug: 'product-02', quantity: 1 },
    ]);

    // and the whole stock (9) is accepted
    expect(changed(await update(shopper, lineId, 9), 'updateCartItem').items[0]?.quantity).toBe(9);
    await update(shopper, lineId, 5);
  });

  it.each([
    { quantity: 0, code: 'INVALID_QUANTITY' },
    { quantity: -3, code: 'INVALID_QUANTITY' },
    { quantity: 100, code: 'INVALID_QUANTITY' },
    { quantity: 10, code: 'OUT_OF_STOCK' },
  ] as const)('refuses quantity $quantity with $code at input.quantity and leaves the line at 5', async ({ quantity, code }) => {
    const before = await snapshot();
    refused(await update(shopper, lineId, quantity), 'updateCartItem', code, ['input', 'quantity']);
    expect(await snapshot()).toEqual(before);
    expect((await linesOf(shopper.dbId))[0]).toEqual({ slug: 'product-09', quantity: 5 });
  });

  it('refuses an id that is no line with CART_ITEM_NOT_FOUND, and a malformed one with BAD_USER_INPUT', async () => {
    const before = await snapshot();

    refused(await update(shopper, toGlobalId('CartItem', 999_999), 1), 'updateCartItem', 'CART_ITEM_NOT_FOUND', ['input', 'cartItemId']);
    const malformed = await update(shopper, await productId('product-09'), 1);
    expect(malformed.body.data).toBeNull();
    expectBadUserInput(malformed, ['updateCartItem'], 'input.cartItemId');

    expect(await snapshot()).toEqual(before);
  });
});

describe('removeFromCart', () => {
  it('removes the line and keeps the others; removing it again is CART_ITEM_NOT_FOUND', async () => {
    // given a cart of two lines
    const shopper = await newCustomer(gateway, 'cart-shopper');
    const first = changed(await add(shopper, 'product-06', 2), 'addToCart');
    changed(await add(shopper, 'product-04', 3), 'addToCart');
    const lineId = first.items[0]!.id;

    // when the first is removed
    const cart = changed(await remove(shopper, lineId), 'removeFromCart');

    // then only the other remains, in the payload and in the database
    expect(cart.items.map((item) => [item.product.slug, item.quantity])).toEqual([['product-04', 3]]);
    expect(cart.itemCount).toBe(3);
    expect(cart.subtotal.amount).toBe('14.97');
    expect(await linesOf(shopper.dbId)).toEqual([{ slug: 'product-04', quantity: 3 }]);

    // and removing it a second time is refused, changing nothing
    const before = await snapshot();
    refused(await remove(shopper, lineId), 'removeFromCart', 'CART_ITEM_NOT_FOUND', ['input', 'cartItemId']);
    expect(await snapshot()).toEqual(before);
  });

  it('leaves an empty cart after removing its last line', async () => {
    const shopper = await newCustomer(gateway, 'cart-shopper');
    const lineId = changed(await add(shopper, 'product-06', 1), 'addToCart').items[0]!.id;

    const cart = changed(await remove(shopper, lineId), 'removeFromCart');

    expect(cart).toEqual({ id: expect.any(String), itemCount: 0, subtotal: { amount: '0.00', currencyCode: 'USD' }, items: [] });
    expect(await linesOf(shopper.dbId)).toEqual([]);
  });
});

describe("another customer's cart", () => {
  let alice: Customer;
  let bob: Customer;
  let staff: Customer;
  let bobsLineId: string;
  let alicesCartId: string;
  let alicesLineId: string;

  beforeAll(async () => {
    // given alice and bob, each with a cart
    [alice, bob, staff] = [await signedIn(gateway, ACCOUNTS.alice.email), await signedIn(gateway, ACCOUNTS.bob.email), await signedIn(gateway, ACCOUNTS.staff.email)];
    const alicesCart = changed(await add(alice, 'product-01', 1), 'addToCart');
    alicesCartId = alicesCart.id;
    alicesLineId = alicesCart.items[0]!.id;
    bobsLineId = changed(await add(bob, 'product-02', 2), 'addToCart').items[0]!.id;
  });

  it("cannot change or remove bob's line: alice gets CART_ITEM_NOT_FOUND and bob's cart is unchanged", async () => {
    const bobsLinesBefore = await gateway.prisma.cartItem.findMany({ where: { cart: { userId: bob.dbId } }, orderBy: { id: 'asc' } });
    const alicesLinesBefore = await linesOf(alice.dbId);

    // when alice uses the id of bob's line
    refused(await update(alice, bobsLineId, 1), 'updateCartItem', 'CART_ITEM_NOT_FOUND', ['input', 'cartItemId']);
    refused(await remove(alice, bobsLineId), 'removeFromCart', 'CART_ITEM_NOT_FOUND', ['input', 'cartItemId']);

    // then neither cart changed
    expect(await gateway.prisma.cartItem.findMany({ where: { cart: { userId: bob.dbId } }, orderBy: { id: 'asc' } })).toEqual(bobsLinesBefore);
    expect(await linesOf(alice.dbId)).toEqual(alicesLinesBefore);
    expect((await viewerCart(bob))?.items.map((item) => [item.id, item.quantity])).toEqual([[bobsLineId, 2]]);
  });

  const USER_CART = 'query UserCart($id: ID!) { node(id: $id) { ... on User { id cart { id itemCount } } } }';

  it("does not show alice's cart to bob: User.cart is null with FORBIDDEN", async () => {
    const response = await gateway.graphql<{ node: { id: string; cart: unknown } | null }>(USER_CART, { id: alice.userId }, bob.headers);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ node: { id: alice.userId, cart: null } });
    expectCode(response, 'FORBIDDEN', { path: ['node', 'cart'] });
  });

  it("shows alice's cart to staff and to alice herself", async () => {
    for (const viewer of [staff, alice]) {
      const response = await gateway.graphql<{ node: { id: string; cart: { id: string; itemCount: number } | null } | null }>(
        USER_CART,
        { id: alice.userId },
        viewer.headers,
      );
      expect(response.body).toEqual({ data: { node: { id: alice.userId, cart: { id: alicesCartId, itemCount: 1 } } } });
    }
  });

  it('answers a cart and a cart line fetched by node exactly like unknown ids to anyone but their owner and staff', async () => {
    const CART_NODE = 'query CartNode($id: ID!) { node(id: $id) { ... on Cart { id itemCount items { quantity } } } }';
    const LINE_NODE = 'query LineNode($id: ID!) { node(id: $id) { ... on CartItem { id quantity product { slug } } } }';
    const unknownIds = { [CART_NODE]: toGlobalId('Cart', 999_999), [LINE_NODE]: toGlobalId('CartItem', 999_999) };

    for (const [query, id] of [[CART_NODE, alicesCartId], [LINE_NODE, alicesLineId]] as const) {
      for (const viewer of [bob, null]) {
        // when bob (another customer) or an anonymous caller asks for alice's cart, and for an id that does not exist
        const foreign = await gateway.graphql(query, { id }, viewer?.headers ?? {});
        const unknown = await gateway.graphql(query, { id: unknownIds[query] }, viewer?.headers ?? {});
        // then both answers are the same: null, no error, nothing that tells the cart exists
        expect(foreign.status).toBe(200);
        expect(foreign.body).toEqual({ data: { node: null } });
        expect(unknown.body).toEqual(foreign.body);
      }

      // staff and alice herself: readable
      for (const viewer of [staff, alice]) {
        const allowed = await gateway.graphql<{ node: { id: string } | null }>(query, { id }, viewer.headers);
        expect(allowed.body.errors).toBeUndefined();
        expect(allowed.body.data?.node?.id).toBe(id);
      }
    }
  });
});

describe('a full cart', () => {
  it('refuses a 101st line with CART_FULL, while lines already in the cart can still grow', async () => {
    // given 100 extra products, and a customer whose cart holds one line of each
    const category = await gateway.prisma.category.findFirstOrThrow({ orderBy: { id: 'asc' } });
    await gateway.prisma.product.createMany({
      data: Array.from({ length: 100 }, (_, i) => ({
        slug: `bulk-${i}`,
        name: `Bulk ${i}`,
        description: 'For a full cart',
        priceCents: 100,
        costCents: 50,
        stockQuantity: 10,
        categoryId: category.id,
      })),
    });
    const bulk = await gateway.prisma.product.findMany({ where: { slug: { startsWith: 'bulk-' } }, orderBy: { id: 'asc' } });
    const shopper = await newCustomer(gateway, 'cart-shopper');
    changed(await addById(shopper, toGlobalId('Product', bulk[0]!.id), 1), 'addToCart');
    const cart = await gateway.prisma.cart.findUniqueOrThrow({ where: { userId: shopper.dbId } });
    await gateway.prisma.cartItem.createMany({ data: bulk.slice(1).map((product) => ({ cartId: cart.id, productId: product.id, quantity: 1 })) });
    expect(await gateway.prisma.cartItem.count({ where: { cartId: cart.id } })).toBe(100);
    const before = await snapshot();

    // when a product not yet in the cart is added
    const response = await add(shopper, 'product-01', 1);

    // then it is refused, and nothing is written
    refused(response, 'addToCart', 'CART_FULL', ['input', 'productId']);
    expect(await snapshot()).toEqual(before);

    // while adding to a line already there works
    const grown = changed(await addById(shopper, toGlobalId('Product', bulk[50]!.id), 2), 'addToCart');
    expect(grown.items).toHaveLength(100);
    expect(grown.itemCount).toBe(102);
  });
});

describe('reading a cart', () => {
  const CART_PAGE = /* GraphQL */ `
    {
      viewer {
        cart {
          itemCount
          subtotal { amount }
          items { quantity lineTotal { amount } product { name category { name } } }
        }
      }
    }
  `;

  interface CartPage {
    viewer: {
      cart: {
        itemCount: number;
        subtotal: { amount: string };
        items: Array<{ quantity: number; lineTotal: { amount: string }; product: { name: string; category: { name: string } } }>;
      } | null;
    };
  }

  /** A customer whose cart holds one unit of each of products 1, 2, … (skipping those without stock), `lines` lines. */
  async function customerWithLines(lines: number): Promise<{ customer: Customer; subtotalCents: number }> {
    const customer = await newCustomer(gateway, 'cart-shopper');
    const products = await gateway.prisma.product.findMany({
      where: { slug: { startsWith: 'product-' }, stockQuantity: { gt: 0 }, published: true },
      orderBy: { id: 'asc' },
      take: lines,
    });
    const cart = await gateway.prisma.cart.create({ data: { userId: customer.dbId } });
    await gateway.prisma.cartItem.createMany({ data: products.map((product) => ({ cartId: cart.id, productId: product.id, quantity: 1 })) });
    return { customer, subtotalCents: products.reduce((sum, product) => sum + product.priceCents, 0) };
  }

  it('takes the same, small number of SQL statements for 3 lines and for 12', async () => {
    // given two customers, with 3 and 12 lines over all three categories
    const small = await customerWithLines(3);
    const large = await customerWithLines(12);

    // when each reads its cart with products and categories
    const smallRead = await gateway.countStatements(() => gateway.graphql<CartPage>(CART_PAGE, {}, small.customer.headers));
    const largeRead = await gateway.countStatements(() => gateway.graphql<CartPage>(CART_PAGE, {}, large.customer.headers));

    // then both are complete and correct
    for (const [read, expected, lines] of [[smallRead, small, 3], [largeRead, large, 12]] as const) {
      expect(read.result.body.errors).toBeUndefined();
      const cart = read.result.body.data?.viewer.cart;
      expect(cart?.items).toHaveLength(lines);
      expect(cart?.itemCount).toBe(lines);
      expect(cart?.subtotal.amount).toBe((expected.subtotalCents / 100).toFixed(2));
      expect(new Set(cart?.items.map((item) => item.product.category.name))).toEqual(new Set(['Kitchen', 'Garden', 'Office']));
    }
    // and the statement count does not grow with the cart: the viewer, the cart by user, its lines, their products
    // and the categories (the line rule's owner check reuses the cart already loaded)
    expect(smallRead.statements).toBe(5);
    expect(largeRead.statements).toBe(smallRead.statements);
  });
});
