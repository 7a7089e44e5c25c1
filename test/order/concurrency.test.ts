import { loadConfig } from '../../src/config';
import { toGlobalId } from '../../src/graphql/global-id';
import { signAccessToken } from '../../src/modules/account/tokens';
import { mulberry32 } from '../../src/seed/random';
import { bearer } from '../helpers/account-fixture';
import { expectNoErrors, type UserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// Concurrency can only show on a server with real sessions: PGlite (the
// default test database) is a single session, so every transaction runs one
// after another and an oversell could never happen there, proving nothing.
// CI runs the suite a second time with TEST_DATABASE_URL (PostgreSQL), where
// these run; without it they are skipped.
const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

interface OrderFields {
  id: string;
  status: string;
  items: Array<{ quantity: number; product: { id: string } }>;
}

type CheckoutData = { checkout: { order: OrderFields | null; userErrors: UserError[] } };
type CancelData = { cancelOrder: { order: OrderFields | null; userErrors: UserError[] } };
type AddToCartData = { addToCart: { cart: { itemCount: number } | null; userErrors: UserError[] } };
type CartData = { viewer: { cart: { items: Array<{ quantity: number; product: { id: string } }> } | null } | null };

const ORDER_FIELDS = 'id status items { quantity product { id } }';
const CHECKOUT = `mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field } }
}`;
const CANCEL = `mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field } }
}`;
const ADD_TO_CART = `mutation Add($input: AddToCartInput!) {
  addToCart(input: $input) { cart { itemCount } userErrors { code message field } }
}`;
const VIEWER_CART = '{ viewer { cart { items { quantity product { id } } } } }';

/** The gateway under test signs with the development secret in tests, and so do we. */
const TOKEN_CONFIG = loadConfig({ NODE_ENV: 'test' });

interface Customer {
  id: number;
  headers: Record<string, string>;
}

interface TestProduct {
  id: number;
  globalId: string;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

describeOnPostgres('checkout under concurrency (PostgreSQL)', () => {
  let gateway: TestGateway;
  let categoryId: number;

  beforeAll(async () => {
    gateway = await startTestGateway();
    expect(gateway.testDatabase.embedded).toBe(false);
    categoryId = (await gateway.prisma.category.create({ data: { slug: 'race', name: 'Race' } })).id;
  });
  afterAll(() => gateway?.close());

  async function createProduct(slug: string, stockQuantity: number): Promise<TestProduct> {
    const product = await gateway.prisma.product.create({
      data: { slug, name: `Product ${slug}`, priceCents: 1_000, costCents: 400, stockQuantity, categoryId },
    });
    return { id: product.id, globalId: toGlobalId('Product', product.id) };
  }

  /** Customers are created directly (no scrypt for dozens of users) and get tokens signed like login's. */
  async function createCustomers(prefix: string, count: number): Promise<Customer[]> {
    const users = await gateway.prisma.user.createManyAndReturn({
      data: Array.from({ length: count }, (_, i) => ({ email: `${prefix}-${i}@example.com`, name: `${prefix} ${i}`, passwordHash: '!' })),
    });
    users.sort((a, b) => a.id - b.id);
    return Promise.all(users.map(async (user) => ({ id: user.id, headers: bearer(await signAccessToken(TOKEN_CONFIG, user.id)) })));
  }

  async function addToCart(customer: Customer, product: TestProduct, quantity: number): Promise<void> {
    const response = await gateway.graphql<AddToCartData>(ADD_TO_CART, { input: { productId: product.globalId, quantity } }, customer.headers);
    expectNoErrors(response);
    expect(response.body.data?.addToCart.userErrors).toEqual([]);
  }

  function checkout(customer: Customer, idempotencyKey: string): Promise<GraphQLResponse<CheckoutData>> {
    return gateway.graphql<CheckoutData>(CHECKOUT, { input: { idempotencyKey } }, customer.headers);
  }

  function cancel(customer: Customer, orderId: string): Promise<GraphQLResponse<CancelData>> {
    return gateway.graphql<CancelData>(CANCEL, { input: { orderId } }, customer.headers);
  }

  async function cartOf(customer: Customer): Promise<Array<{ quantity: number; product: { id: string } }>> {
    const response = await gateway.graphql<CartData>(VIEWER_CART, {}, customer.headers);
    expectNoErrors(response);
    return response.body.data?.viewer?.cart?.items ?? [];
  }

  async function stockOf(product: TestProduct): Promise<number> {
    return (await gateway.prisma.product.findUniqueOrThrow({ where: { id: product.id } })).stockQuantity;
  }

  async function expectNoNegativeStock(): Promise<void> {
    expect(await gateway.prisma.product.count({ where: { stockQuantity: { lt: 0 } } })).toBe(0);
  }

  it('sells exactly the stock when 40 customers check out the last 10 units at once', async () => {
    // given a product with 10 in stock and 40 customers with 1 unit each in their carts
    const product = await createProduct('last-ten', 10);
    const customers = await createCustomers('rush', 40);
    await Promise.all(customers.map((customer) => addToCart(customer, product, 1)));

    // when all 40 check out at the same moment
    const responses = await Promise.all(customers.map((customer, i) => checkout(customer, `rush-${i}`)));

    // then exactly 10 orders are placed and the other 30 are refused as OUT_OF_STOCK, with no error
    for (const response of responses) expectNoErrors(response);
    const placed = responses.flatMap((response, i) => (response.body.data?.checkout.order ? [{ customer: customers[i]!, response }] : []));
    const refused = responses.flatMap((response, i) => (response.body.data?.checkout.order ? [] : [{ customer: customers[i]!, response }]));
    expect({ placed: placed.length, refused: refused.length }).toEqual({ placed: 10, refused: 30 });
    for (const { response } of placed) {
      expect(response.body.data?.checkout).toEqual({
        order: { id: expect.any(String), status: 'PENDING_PAYMENT', items: [{ quantity: 1, product: { id: product.globalId } }] },
        userErrors: [],
      });
    }
    for (const { response } of refused) {
      expect(response.body.data?.checkout.userErrors.map((error) => error.code)).toEqual(['OUT_OF_STOCK']);
    }
    expect(new Set(placed.map(({ response }) => response.body.data?.checkout.order?.id)).size).toBe(10);

    // and the stock is exactly used up, never negative, and the orders hold exactly the 10 units
    expect(await stockOf(product)).toBe(0);
    await expectNoNegativeStock();
    const sold = await gateway.prisma.orderItem.aggregate({ where: { productId: product.id }, _sum: { quantity: true }, _count: true });
    expect({ units: sold._sum.quantity, lines: sold._count }).toEqual({ units: 10, lines: 10 });
    expect(await gateway.prisma.order.count({ where: { userId: { in: customers.map((customer) => customer.id) } } })).toBe(10);

    // and a refused customer keeps their cart line, while a buyer's cart was emptied
    const refusedCarts = await Promise.all(refused.map(({ customer }) => cartOf(customer)));
    for (const items of refusedCarts) expect(items).toEqual([{ quantity: 1, product: { id: product.globalId } }]);
    const placedCarts = await Promise.all(placed.map(({ customer }) => cartOf(customer)));
    for (const items of placedCarts) expect(items).toEqual([]);
  });

  it('keeps stock + units of live orders equal to the initial stock when random checkouts and cancellations interleave', async () => {
    // given a product with 25 in stock and 30 customers wanting 1 to 4 units each (seeded, so every run asks the same)
    const initialStock = 25;
    const product = await createProduct('interleaved', initialStock);
    const customers = await createCustomers('mixed', 30);
    const random = mulberry32(20_260_101);
    const wanted = customers.map(() => 1 + Math.floor(random() * 4));
    expect(sum(wanted)).toBeGreaterThan(initialStock);
    await Promise.all(customers.map((customer, i) => addToCart(customer, product, wanted[i]!)));

    // when all check out at once, and every other successful checkout (in the order they finish) is at once
    // cancelled twice in parallel, while the remaining checkouts are still running
    let successes = 0;
    let checkoutsRunning = customers.length;
    let cancelsSentWhileCheckoutsRan = 0;
    const outcomes = await Promise.all(
      customers.map(async (customer, i) => {
        const checkoutResponse = await checkout(customer, `mixed-${i}`);
        checkoutsRunning -= 1;
        const order = checkoutResponse.body.data?.checkout.order;
        if (!order) return { customer, quantity: wanted[i]!, checkoutResponse, cancels: null };
        successes += 1;
        if (successes % 2 === 0) return { customer, quantity: wanted[i]!, checkoutResponse, cancels: null };
        if (checkoutsRunning > 0) cancelsSentWhileCheckoutsRan += 1;
        const cancels = await Promise.all([cancel(customer, order.id), cancel(customer, order.id)]);
        return { customer, quantity: wanted[i]!, checkoutResponse, cancels };
      }),
    );

    // then every checkout either placed an order for the whole cart or was refused as OUT_OF_STOCK
    for (const { checkoutResponse } of outcomes) expectNoErrors(checkoutResponse);
    const placed = outcomes.filter(({ checkoutResponse }) => checkoutResponse.body.data?.checkout.order);
    const refused = outcomes.filter(({ checkoutResponse }) => !checkoutResponse.body.data?.checkout.order);
    for (const { checkoutResponse, quantity } of placed) {
      expect(checkoutResponse.body.data?.checkout.userErrors).toEqual([]);
      expect(checkoutResponse.body.data?.checkout.order?.items).toEqual([{ quantity, product: { id: product.globalId } }]);
    }
    for (const { checkoutResponse } of refused) {
      expect(checkoutResponse.body.data?.checkout.userErrors.map((error) => error.code)).toEqual(['OUT_OF_STOCK']);
    }
    // (the race is real: some were placed, some refused, and cancels overlapped checkouts still running)
    expect(placed.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(0);
    expect(cancelsSentWhileCheckoutsRan).toBeGreaterThan(0);

    // and of each pair of concurrent cancels of one order exactly one won, the other was an ILLEGAL_TRANSITION
    const cancelled = outcomes.filter((outcome) => outcome.cancels !== null);
    expect(cancelled.length).toBe(Math.ceil(placed.length / 2));
    for (const { cancels, checkoutResponse } of cancelled) {
      for (const response of cancels ?? []) expectNoErrors(response);
      const payloads = (cancels ?? []).map((response) => response.body.data?.cancelOrder);
      const won = payloads.filter((payload) => payload?.order);
      const lost = payloads.filter((payload) => !payload?.order);
      expect(won).toHaveLength(1);
      expect(won[0]).toEqual({
        order: expect.objectContaining({ id: checkoutResponse.body.data?.checkout.order?.id, status: 'CANCELLED' }),
        userErrors: [],
      });
      expect(lost).toHaveLength(1);
      expect(lost[0]?.userErrors.map((error) => error.code)).toEqual(['ILLEGAL_TRANSITION']);
    }

    // and the database agrees: the placed orders exist, the cancelled ones are CANCELLED
    const rows = await gateway.prisma.order.findMany({
      where: { userId: { in: customers.map((customer) => customer.id) } },
      include: { items: true },
    });
    expect(rows.map((row) => toGlobalId('Order', row.id)).sort()).toEqual(
      placed.map(({ checkoutResponse }) => checkoutResponse.body.data?.checkout.order?.id).sort(),
    );
    const cancelledIds = new Set(cancelled.map(({ checkoutResponse }) => checkoutResponse.body.data?.checkout.order?.id));
    for (const row of rows) {
      expect(row.status).toBe(cancelledIds.has(toGlobalId('Order', row.id)) ? 'CANCELLED' : 'PENDING_PAYMENT');
    }

    // and no unit was lost or made up: stock + units of live orders is the initial stock, and every
    // cancelled order put its units back exactly once
    const stock = await stockOf(product);
    expect(stock).toBeGreaterThanOrEqual(0);
    await expectNoNegativeStock();
    const liveUnits = sum(rows.filter((row) => row.status !== 'CANCELLED').flatMap((row) => row.items.map((item) => item.quantity)));
    expect(stock + liveUnits).toBe(initialStock);
    const placedUnits = sum(placed.map(({ quantity }) => quantity));
    const releasedUnits = sum(cancelled.map(({ quantity }) => quantity));
    expect(stock).toBe(initialStock - placedUnits + releasedUnits);
  });

  it('places one order, once, when the same checkout key arrives 10 times at once', async () => {
    // given a customer with 2 units of a product with 5 in stock
    const product = await createProduct('idempotent', 5);
    const [customer] = await createCustomers('retry', 1);
    await addToCart(customer!, product, 2);

    // when the client sends the same checkout 10 times concurrently
    const responses = await Promise.all(Array.from({ length: 10 }, () => checkout(customer!, 'same-key')));

    // then all 10 answer with the same order, without an error
    for (const response of responses) {
      expectNoErrors(response);
      expect(response.body.data?.checkout.userErrors).toEqual([]);
    }
    const ids = responses.map((response) => response.body.data?.checkout.order?.id);
    expect(ids[0]).toEqual(expect.any(String));
    expect(new Set(ids)).toEqual(new Set([ids[0]]));

    // and there is one order row for (customer, key), holding the 2 units, and the stock went down once
    const rows = await gateway.prisma.order.findMany({ where: { userId: customer!.id }, include: { items: true } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.idempotencyKey).toBe('same-key');
    expect(toGlobalId('Order', rows[0]!.id)).toBe(ids[0]);
    expect(rows[0]?.items.map((item) => ({ productId: item.productId, quantity: item.quantity }))).toEqual([{ productId: product.id, quantity: 2 }]);
    expect(await stockOf(product)).toBe(3);
    expect(await cartOf(customer!)).toEqual([]);
  });

  it('does not deadlock when carts list the same two products in opposite orders', async () => {
    // given products A and B with stock for everyone, 20 customers who added A then B and 20 who added B then A
    const random = mulberry32(42);
    const productA = await createProduct('pair-a', 500);
    const productB = await createProduct('pair-b', 500);
    const customers = await createCustomers('pair', 40);
    const carts = customers.map((customer, i) => {
      const lines = [
        { product: productA, quantity: 1 + Math.floor(random() * 5) },
        { product: productB, quantity: 1 + Math.floor(random() * 5) },
      ];
      return { customer, lines: i % 2 === 0 ? lines : [...lines].reverse() };
    });
    await Promise.all(
      carts.map(async ({ customer, lines }) => {
        for (const line of lines) await addToCart(customer, line.product, line.quantity);
      }),
    );
    const cartLines = await gateway.prisma.cartItem.findMany({
      where: { cart: { userId: { in: customers.map((customer) => customer.id) } } },
      orderBy: { id: 'asc' },
      include: { cart: true },
    });
    const firstLineProduct = new Map<number, number>();
    for (const line of cartLines) if (!firstLineProduct.has(line.cart.userId)) firstLineProduct.set(line.cart.userId, line.productId);
    expect([...firstLineProduct.values()].filter((id) => id === productA.id)).toHaveLength(20);
    expect([...firstLineProduct.values()].filter((id) => id === productB.id)).toHaveLength(20);

    // when all 40 check out at once
    const responses = await Promise.all(carts.map(({ customer }, i) => checkout(customer, `pair-${i}`)));

    // then every checkout succeeds, with no deadlock (or any other INTERNAL_SERVER_ERROR)
    for (const [i, response] of responses.entries()) {
      expectNoErrors(response);
      expect(response.body.data?.checkout.userErrors).toEqual([]);
      const items = response.body.data?.checkout.order?.items ?? [];
      expect(new Map(items.map((item) => [item.product.id, item.quantity]))).toEqual(
        new Map(carts[i]!.lines.map((line) => [line.product.globalId, line.quantity])),
      );
    }

    // and each stock went down by exactly the units ordered
    const unitsOf = (product: TestProduct) => sum(carts.flatMap(({ lines }) => lines.filter((line) => line.product === product).map((line) => line.quantity)));
    expect(await stockOf(productA)).toBe(500 - unitsOf(productA));
    expect(await stockOf(productB)).toBe(500 - unitsOf(productB));
    await expectNoNegativeStock();
  });
});
