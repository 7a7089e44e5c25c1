import type { CartErrorCode, OrderErrorCode } from '../../src/generated/graphql';
import { toGlobalId } from '../../src/graphql/global-id';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectCode, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

interface OrderView {
  id: string;
  number: number;
  status: string;
  total: { amount: string; currencyCode: string };
  customer: { id: string };
  payment: { id: string } | null;
  items: Array<{
    productName: string;
    quantity: number;
    unitPrice: { amount: string };
    lineTotal: { amount: string };
    product: { slug: string; name: string };
  }>;
}

interface CheckoutPayload {
  order: OrderView | null;
  userErrors: Array<UserError<OrderErrorCode>>;
}

const ORDER_FIELDS = `id number status total { amount currencyCode } customer { id } payment { id }
  items { productName quantity unitPrice { amount } lineTotal { amount } product { slug name } }`;
const CHECKOUT = `mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field } }
}`;
const ADD = 'mutation Add($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code message } } }';
const VIEWER_CART = '{ viewer { cart { itemCount items { quantity product { slug } } } } }';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
});
afterAll(() => gateway?.close());

async function setProduct(slug: string, data: { stockQuantity?: number; priceCents?: number; published?: boolean; name?: string }): Promise<void> {
  await gateway.prisma.product.update({ where: { slug }, data });
}
async function stockOf(slug: string): Promise<number> {
  return (await gateway.prisma.product.findUniqueOrThrow({ where: { slug } })).stockQuantity;
}

/** Adds to the customer's cart through the API; the addition must succeed. */
async function addToCart(customer: Customer, slug: string, quantity: number): Promise<void> {
  const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug } });
  const response = await gateway.graphql<{ addToCart: { userErrors: Array<UserError<CartErrorCode>> } }>(
    ADD,
    { input: { productId: toGlobalId('Product', product.id), quantity } },
    customer.headers,
  );
  expect(response.body).toEqual({ data: { addToCart: { userErrors: [] } } });
}

async function checkout(customer: Customer | null, idempotencyKey: string): Promise<GraphQLResponse<{ checkout: CheckoutPayload }>> {
  return gateway.graphql<{ checkout: CheckoutPayload }>(CHECKOUT, { input: { idempotencyKey } }, customer?.headers ?? {});
}

/** The order of a successful checkout. */
function placed(response: GraphQLResponse<{ checkout: CheckoutPayload }>): OrderView {
  expectNoErrors(response);
  return expectAccepted(response.body.data?.checkout).order!;
}

/** The single user error of a refused checkout (no order, no GraphQL error). */
function refused(response: GraphQLResponse<{ checkout: CheckoutPayload }>, code: OrderErrorCode, field: string[] | null): UserError {
  expectNoErrors(response);
  return expectUserError(response.body.data?.checkout, code, field);
}

async function cartLines(customer: Customer): Promise<Array<{ slug: string; quantity: number }>> {
  const items = await gateway.prisma.cartItem.findMany({
    where: { cart: { userId: customer.dbId } },
    orderBy: { id: 'asc' },
    include: { product: { select: { slug: true } } },
  });
  return items.map((item) => ({ slug: item.product.slug, quantity: item.quantity }));
}

/** Everything a checkout may write: orders, their lines, stock, carts. */
async function snapshot() {
  return {
    orders: await gateway.prisma.order.findMany({ orderBy: { id: 'asc' } }),
    orderItems: await gateway.prisma.orderItem.count(),
    stock: await gateway.prisma.product.findMany({ select: { slug: true, stockQuantity: true }, orderBy: { id: 'asc' } }),
    cartItems: await gateway.prisma.cartItem.findMany({ orderBy: { id: 'asc' } }),
    carts: await gateway.prisma.cart.count(),
  };
}

describe('checkout', () => {
  it('places a PENDING_PAYMENT order at the prices in the database, reserves stock and empties the cart', async () => {
    // given a cart of 2 × product-11 and 3 × product-12 (12.99), both with 20 in stock
    await setProduct('product-11', { stockQuantity: 20 });
    await setProduct('product-12', { stockQuantity: 20 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-11', 2);
    await addToCart(shopper, 'product-12', 3);
    // and product-11's price raised to 50.00 after it was put in the cart
    await setProduct('product-11', { priceCents: 5000 });

    // when the customer checks out
    const order = placed(await checkout(shopper, 'first-checkout'));

    // then the order is pending payment, priced now: 2 × 50.00 + 3 × 12.99
    expect(order).toEqual({
      id: expect.any(String),
      number: expect.any(Number),
      status: 'PENDING_PAYMENT',
      total: { amount: '138.97', currencyCode: 'USD' },
      customer: { id: shopper.userId },
      // its payment is opened with the order (an intent at the provider), and not paid yet
      payment: { id: expect.any(String) },
      items: [
        { productName: 'Product 11 Garden', quantity: 2, unitPrice: { amount: '50.00' }, lineTotal: { amount: '100.00' }, product: { slug: 'product-11', name: 'Product 11 Garden' } },
        { productName: 'Product 12 Office', quantity: 3, unitPrice: { amount: '12.99' }, lineTotal: { amount: '38.97' }, product: { slug: 'product-12', name: 'Product 12 Office' } },
      ],
    });
    // and the database holds that order and its lines at those prices
    const row = await gateway.prisma.order.findUniqueOrThrow({ where: { userId_idempotencyKey: { userId: shopper.dbId, idempotencyKey: 'first-checkout' } }, include: { items: { orderBy: { productId: 'asc' } } } });
    expect(toGlobalId('Order', row.id)).toBe(order.id);
    expect(row).toEqual(expect.objectContaining({ status: 'PENDING_PAYMENT', totalCents: 13897, currency: 'USD', number: order.number }));
    expect(row.items.map((item) => [item.productName, item.unitPriceCents, item.quantity])).toEqual([
      ['Product 11 Garden', 5000, 2],
      ['Product 12 Office', 1299, 3],
    ]);
    // and the stock is reserved
    expect(await stockOf('product-11')).toBe(18);
    expect(await stockOf('product-12')).toBe(17);
    // and the cart is empty (it still exists)
    expect(await cartLines(shopper)).toEqual([]);
    const cart = await gateway.graphql<{ viewer: { cart: { itemCount: number; items: unknown[] } | null } }>(VIEWER_CART, {}, shopper.headers);
    expect(cart.body.data?.viewer.cart).toEqual({ itemCount: 0, items: [] });

    // and later changes of the product do not change the order: name and price are the ones paid
    await setProduct('product-11', { name: 'Renamed Product', priceCents: 1 });
    const ORDER = `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
    const reread = await gateway.graphql<{ order: OrderView | null }>(ORDER, { id: order.id }, shopper.headers);
    expect(reread.body.errors).toBeUndefined();
    expect(reread.body.data?.order?.total.amount).toBe('138.97');
    expect(reread.body.data?.order?.items[0]).toEqual(expect.objectContaining({ productName: 'Product 11 Garden', unitPrice: { amount: '50.00' }, product: { slug: 'product-11', name: 'Renamed Product' } }));
    await setProduct('product-11', { name: 'Product 11 Garden', priceCents: 1199 });
  });

  it('answers a repeated key with the same order and changes nothing, even when the cart changed meanwhile', async () => {
    // given a customer who checked out 2 × product-13 with a key
    await setProduct('product-13', { stockQuantity: 20 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-13', 2);
    const first = placed(await checkout(shopper, 'retry-me'));
    // and then put something else in the cart
    await addToCart(shopper, 'product-14', 1);
    const before = await snapshot();

    // when the same key is sent again (a retry)
    const again = placed(await checkout(shopper, 'retry-me'));

    // then it is the same order, and no order, stock or cart line changed
    expect(again).toEqual(first);
    expect(await snapshot()).toEqual(before);
    expect(await cartLines(shopper)).toEqual([{ slug: 'product-14', quantity: 1 }]);
    expect(await gateway.prisma.order.count({ where: { userId: shopper.dbId } })).toBe(1);
  });

  it("gives another customer using the same key an order of their own", async () => {
    // given alice and bob with different carts
    const alice = await signedIn(gateway, ACCOUNTS.alice.email);
    const bob = await signedIn(gateway, ACCOUNTS.bob.email);
    await setProduct('product-01', { stockQuantity: 10 });
    await setProduct('product-02', { stockQuantity: 10 });
    await addToCart(alice, 'product-01', 1);
    await addToCart(bob, 'product-02', 2);

    // when both check out with the same key
    const alicesOrder = placed(await checkout(alice, 'shared-key'));
    const bobsOrder = placed(await checkout(bob, 'shared-key'));

    // then each has their own order, of their own cart
    expect(bobsOrder.id).not.toBe(alicesOrder.id);
    expect(alicesOrder.customer.id).toBe(alice.userId);
    expect(bobsOrder.customer.id).toBe(bob.userId);
    expect(alicesOrder.items.map((item) => [item.product.slug, item.quantity])).toEqual([['product-01', 1]]);
    expect(bobsOrder.items.map((item) => [item.product.slug, item.quantity])).toEqual([['product-02', 2]]);
    expect(await gateway.prisma.order.count({ where: { idempotencyKey: 'shared-key' } })).toBe(2);
    expect(await cartLines(bob)).toEqual([]);
  });

  it('places one order when the same key is sent 5 times at once', async () => {
    // given a cart of 2 × product-14 and 1 × product-16
    await setProduct('product-14', { stockQuantity: 20 });
    await setProduct('product-16', { stockQuantity: 20 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-14', 2);
    await addToCart(shopper, 'product-16', 1);
    const ordersBefore = await gateway.prisma.order.count();

    // when the checkout is sent 5 times concurrently with one key
    const responses = await Promise.all([1, 2, 3, 4, 5].map(() => checkout(shopper, 'double-click')));

    // then every response is the same order
    const orders = responses.map(placed);
    expect(new Set(orders.map((order) => order.id)).size).toBe(1);
    expect(orders[0]!.items.map((item) => [item.product.slug, item.quantity])).toEqual([['product-14', 2], ['product-16', 1]]);
    // and exactly one order was written, with the stock reserved once
    expect(await gateway.prisma.order.count()).toBe(ordersBefore + 1);
    expect(await gateway.prisma.order.count({ where: { userId: shopper.dbId } })).toBe(1);
    expect(await gateway.prisma.orderItem.count({ where: { order: { userId: shopper.dbId } } })).toBe(2);
    expect(await stockOf('product-14')).toBe(18);
    expect(await stockOf('product-16')).toBe(19);
    expect(await cartLines(shopper)).toEqual([]);
  });

  it('places one order when one cart is checked out under two keys at once; the other finds the cart empty', async () => {
    await setProduct('product-26', { stockQuantity: 10 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-26', 3);

    const [a, b] = await Promise.all([checkout(shopper, 'tab-a'), checkout(shopper, 'tab-b')]);

    const payloads = [a.body.data?.checkout, b.body.data?.checkout];
    expect(payloads.filter((payload) => payload?.order !== null && payload?.userErrors.length === 0)).toHaveLength(1);
    expect(payloads.flatMap((payload) => payload?.userErrors.map((error) => error.code) ?? [])).toEqual(['EMPTY_CART']);
    expect(await gateway.prisma.order.count({ where: { userId: shopper.dbId } })).toBe(1);
    expect(await stockOf('product-26')).toBe(7);
  });

  it('never oversells: of two customers checking out the last units at once, one gets them', async () => {
    // given 3 units of product-27, and two customers with all 3 in their carts
    await setProduct('product-27', { stockQuantity: 3 });
    const first = await newCustomer(gateway, 'checkout-shopper');
    const second = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(first, 'product-27', 3);
    await addToCart(second, 'product-27', 3);

    // when both check out at once
    const responses = await Promise.all([checkout(first, 'last-units'), checkout(second, 'last-units')]);

    // then one order is placed, the other refused as out of stock, and the stock is 0, never below
    const codes = responses.map((response) => response.body.data?.checkout.userErrors.map((error) => error.code) ?? ['?']);
    expect(codes.filter((list) => list.length === 0)).toHaveLength(1);
    expect(codes.flat()).toEqual(['OUT_OF_STOCK']);
    expect(await gateway.prisma.order.count({ where: { userId: { in: [first.dbId, second.dbId] } } })).toBe(1);
    expect(await stockOf('product-27')).toBe(0);
  });

  it('refuses a customer who never had a cart, and one whose cart is empty, with EMPTY_CART, writing nothing', async () => {
    // given a customer without a cart, and one whose only line was removed
    await setProduct('product-06', { stockQuantity: 10 });
    const noCart = await newCustomer(gateway, 'checkout-shopper');
    const emptied = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(emptied, 'product-06', 1);
    await gateway.prisma.cartItem.deleteMany({ where: { cart: { userId: emptied.dbId } } });
    const before = await snapshot();

    // when each checks out, then each is told the cart is empty, and nothing is written
    refused(await checkout(noCart, 'empty-1'), 'EMPTY_CART', null);
    refused(await checkout(emptied, 'empty-1'), 'EMPTY_CART', null);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses with OUT_OF_STOCK naming the one short product, and changes nothing at all', async () => {
    // given a cart of 2 × product-16, 3 × product-17, 1 × product-18, all with stock 10
    for (const slug of ['product-16', 'product-17', 'product-18']) await setProduct(slug, { stockQuantity: 10 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-16', 2);
    await addToCart(shopper, 'product-17', 3);
    await addToCart(shopper, 'product-18', 1);
    // and product-17's stock lowered to 2 afterwards (reserving runs in product order, so product-16's comes first)
    await setProduct('product-17', { stockQuantity: 2 });
    const before = await snapshot();

    // when the customer checks out
    const error = refused(await checkout(shopper, 'short-of-17'), 'OUT_OF_STOCK', null);

    // then the message names product-17 and only it
    expect(error.message).toContain('Product 17 Garden');
    expect(error.message).not.toContain('Product 16');
    expect(error.message).not.toContain('Product 18');
    // and nothing changed: no order, every product's stock (product-16's too), the cart
    expect(await snapshot()).toEqual(before);
    expect(await stockOf('product-16')).toBe(10);
    expect(await stockOf('product-18')).toBe(10);
    expect(await cartLines(shopper)).toEqual([
      { slug: 'product-16', quantity: 2 },
      { slug: 'product-17', quantity: 3 },
      { slug: 'product-18', quantity: 1 },
    ]);
    expect(await gateway.prisma.order.count({ where: { userId: shopper.dbId } })).toBe(0);

    // and once the stock is back, the same key places the order (the refusal did not use it up)
    await setProduct('product-17', { stockQuantity: 10 });
    const order = placed(await checkout(shopper, 'short-of-17'));
    expect(order.items.map((item) => item.quantity)).toEqual([2, 3, 1]);
    expect([await stockOf('product-16'), await stockOf('product-17'), await stockOf('product-18')]).toEqual([8, 7, 9]);
  });

  it('names every short product when several are', async () => {
    for (const slug of ['product-21', 'product-22', 'product-23']) await setProduct(slug, { stockQuantity: 10 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-21', 1);
    await addToCart(shopper, 'product-22', 1);
    await addToCart(shopper, 'product-23', 1);
    await setProduct('product-21', { stockQuantity: 0 });
    await setProduct('product-23', { stockQuantity: 0 });
    const before = await snapshot();

    const error = refused(await checkout(shopper, 'two-short'), 'OUT_OF_STOCK', null);

    expect(error.message).toContain('Product 21');
    expect(error.message).toContain('Product 23');
    expect(error.message).not.toContain('Product 22');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a cart holding a product unpublished since it was added, with OUT_OF_STOCK naming it', async () => {
    // given a cart of product-19 and product-24, and product-19 withdrawn from the catalog afterwards
    await setProduct('product-19', { stockQuantity: 10 });
    await setProduct('product-24', { stockQuantity: 10 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-19', 1);
    await addToCart(shopper, 'product-24', 1);
    await setProduct('product-19', { published: false });
    const before = await snapshot();

    try {
      // when the customer checks out, then it is refused naming that product, and nothing changed
      const error = refused(await checkout(shopper, 'withdrawn'), 'OUT_OF_STOCK', null);
      expect(error.message).toContain('Product 19 Kitchen');
      expect(error.message).not.toContain('Product 24');
      expect(await snapshot()).toEqual(before);
    } finally {
      await setProduct('product-19', { published: true });
    }
  });

  it.each([
    { case: 'an empty key', key: '' },
    { case: 'a 101-character key', key: 'k'.repeat(101) },
    { case: 'a key with surrounding spaces', key: ' padded ' },
    { case: 'a key with a trailing newline', key: 'key\n' },
  ])('refuses $case with INVALID_IDEMPOTENCY_KEY at input.idempotencyKey, writing nothing', async ({ key }) => {
    // given a customer with something in the cart
    await setProduct('product-04', { stockQuantity: 10 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-04', 1);
    const before = await snapshot();

    refused(await checkout(shopper, key), 'INVALID_IDEMPOTENCY_KEY', ['input', 'idempotencyKey']);

    expect(await snapshot()).toEqual(before);
  });

  it('accepts the longest key, 100 characters', async () => {
    await setProduct('product-01', { stockQuantity: 20 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-01', 1);

    placed(await checkout(shopper, 'k'.repeat(100)));

    expect((await gateway.prisma.order.findFirstOrThrow({ where: { userId: shopper.dbId } })).idempotencyKey).toBe('k'.repeat(100));
  });

  it('refuses a second checkout of the emptied cart under a new key with EMPTY_CART', async () => {
    // given a customer who checked out
    await setProduct('product-02', { stockQuantity: 20 });
    const shopper = await newCustomer(gateway, 'checkout-shopper');
    await addToCart(shopper, 'product-02', 1);
    placed(await checkout(shopper, 'first'));
    const before = await snapshot();

    // when it checks out again with another key, then the cart is empty and no second order exists
    refused(await checkout(shopper, 'second'), 'EMPTY_CART', null);
    expect(await snapshot()).toEqual(before);
    expect(await gateway.prisma.order.count({ where: { userId: shopper.dbId } })).toBe(1);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED, writing nothing', async () => {
    const before = await snapshot();

    const response = await checkout(null, 'anonymous');

    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expectCode(response, 'UNAUTHENTICATED', { path: ['checkout'] });
    expect(await snapshot()).toEqual(before);
  });
});
