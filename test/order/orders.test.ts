import type { OrderErrorCode } from '../../src/generated/graphql';
import type { OrderStatus } from '../../src/generated/prisma/client';
import { toGlobalId } from '../../src/graphql/global-id';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectBadUserInput, expectCode, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

interface OrderPayload {
  order: { id: string; status: string } | null;
  userErrors: Array<UserError<OrderErrorCode>>;
}

interface OrderPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<{ id: string; number: number; status: string }>;
}

const ADD = 'mutation Add($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code message } } }';
const CHECKOUT = 'mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { order { id } userErrors { code message } } }';
const CANCEL = 'mutation Cancel($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id status } userErrors { code message field } } }';
const SHIP = 'mutation Ship($input: MarkOrderShippedInput!) { markOrderShipped(input: $input) { order { id status } userErrors { code message field } } }';
const PAGE_FIELDS = 'totalCount pageInfo { hasNextPage endCursor } nodes { id number status }';
const VIEWER_ORDERS = `query ViewerOrders($first: Int, $after: String) { viewer { orders(first: $first, after: $after) { ${PAGE_FIELDS} } } }`;
const ORDER = 'query Order($id: ID!) { order(id: $id) { id number status total { amount } items { productName quantity } } }';

let gateway: TestGateway;
let alice: Customer;
let bob: Customer;
let staff: Customer;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  alice = await signedIn(gateway, ACCOUNTS.alice.email);
  bob = await signedIn(gateway, ACCOUNTS.bob.email);
  staff = await signedIn(gateway, ACCOUNTS.staff.email);
});
afterAll(() => gateway?.close());

async function setStock(slug: string, stockQuantity: number): Promise<void> {
  await gateway.prisma.product.update({ where: { slug }, data: { stockQuantity } });
}
async function stockOf(...slugs: string[]): Promise<number[]> {
  const rows = await gateway.prisma.product.findMany({ where: { slug: { in: slugs } } });
  return slugs.map((slug) => rows.find((row) => row.slug === slug)?.stockQuantity ?? Number.NaN);
}

let keys = 0;
/** Places an order the way a customer does: cart, then checkout. Returns its global and database ids. */
async function placeOrder(customer: Customer, lines: Array<[slug: string, quantity: number]>): Promise<{ id: string; dbId: number }> {
  for (const [slug, quantity] of lines) {
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug } });
    const added = await gateway.graphql(ADD, { input: { productId: toGlobalId('Product', product.id), quantity } }, customer.headers);
    expect(added.body).toEqual({ data: { addToCart: { userErrors: [] } } });
  }
  keys += 1;
  const response = await gateway.graphql<{ checkout: { order: { id: string } | null; userErrors: Array<UserError<OrderErrorCode>> } }>(
    CHECKOUT,
    { input: { idempotencyKey: `order-${keys}` } },
    customer.headers,
  );
  expect(response.body.data?.checkout.userErrors).toEqual([]);
  const id = response.body.data!.checkout.order!.id;
  const row = await gateway.prisma.order.findUniqueOrThrow({ where: { userId_idempotencyKey: { userId: customer.dbId, idempotencyKey: `order-${keys}` } } });
  return { id, dbId: row.id };
}

/** Writes an order straight to the database (for listings that need chosen dates and statuses). */
async function insertOrder(
  userDbId: number,
  options: { status?: OrderStatus; createdAt?: Date; lines?: Array<[slug: string, quantity: number]>; payment?: { providerReference: string } },
): Promise<{ id: string; dbId: number; number: number }> {
  const lines = options.lines ?? [['product-01', 1]];
  const products = await gateway.prisma.product.findMany({ where: { slug: { in: lines.map(([slug]) => slug) } } });
  const items = lines.map(([slug, quantity]) => {
    const product = products.find((candidate) => candidate.slug === slug)!;
    return { productId: product.id, productName: product.name, unitPriceCents: product.priceCents, quantity };
  });
  const totalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
  keys += 1;
  const order = await gateway.prisma.order.create({
    data: {
      userId: userDbId,
      status: options.status ?? 'PENDING_PAYMENT',
      totalCents,
      idempotencyKey: `inserted-${keys}`,
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
      items: { create: items },
      ...(options.payment ? { payment: { create: { amountCents: totalCents, providerReference: options.payment.providerReference } } } : {}),
    },
  });
  return { id: toGlobalId('Order', order.id), dbId: order.id, number: order.number };
}

async function statusOf(orderDbId: number): Promise<OrderStatus> {
  return (await gateway.prisma.order.findUniqueOrThrow({ where: { id: orderDbId } })).status;
}

async function cancel(customer: Customer | null, orderId: string): Promise<GraphQLResponse<{ cancelOrder: OrderPayload }>> {
  return gateway.graphql<{ cancelOrder: OrderPayload }>(CANCEL, { input: { orderId } }, customer?.headers ?? {});
}
async function ship(customer: Customer, orderId: string): Promise<GraphQLResponse<{ markOrderShipped: OrderPayload }>> {
  return gateway.graphql<{ markOrderShipped: OrderPayload }>(SHIP, { input: { orderId } }, customer.headers);
}

function moved<K extends string>(response: GraphQLResponse<Record<K, OrderPayload>>, field: K, order: string, status: string): void {
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ data: { [field]: { order: { id: order, status }, userErrors: [] } } });
}
function refused<K extends string>(response: GraphQLResponse<Record<K, OrderPayload>>, field: K, code: OrderErrorCode): UserError {
  expectNoErrors(response);
  return expectUserError(response.body.data?.[field], code, ['input', 'orderId']);
}

/** Everything an order change may write: orders (status), stock. */
async function snapshot() {
  return {
    orders: await gateway.prisma.order.findMany({ select: { id: true, status: true, updatedAt: true }, orderBy: { id: 'asc' } }),
    stock: await gateway.prisma.product.findMany({ select: { id: true, stockQuantity: true }, orderBy: { id: 'asc' } }),
    payments: await gateway.prisma.payment.findMany({ orderBy: { id: 'asc' } }),
  };
}

describe("the viewer's orders", () => {
  it('lists them newest first (ties by id), counts them all, and pages with first/after', async () => {
    // given a customer with four orders: A (Mar 1), B (Mar 3), C (Mar 2), D (Mar 3, like B, created after it)
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const a = await insertOrder(shopper.dbId, { createdAt: new Date('2026-03-01T10:00:00Z') });
    const b = await insertOrder(shopper.dbId, { createdAt: new Date('2026-03-03T10:00:00Z') });
    const c = await insertOrder(shopper.dbId, { createdAt: new Date('2026-03-02T10:00:00Z') });
    const d = await insertOrder(shopper.dbId, { createdAt: new Date('2026-03-03T10:00:00Z'), status: 'PAID' });
    // and someone else's order, newer than all of them
    await insertOrder(bob.dbId, { createdAt: new Date('2026-04-01T10:00:00Z') });
    const read = async (variables: { first: number; after?: string | null }) => {
      const response = await gateway.graphql<{ viewer: { orders: OrderPage } }>(VIEWER_ORDERS, variables, shopper.headers);
      expect(response.body.errors).toBeUndefined();
      return response.body.data!.viewer.orders;
    };

    // when the whole list is read, then it is D, B, C, A: only theirs, newest first
    const all = await read({ first: 10 });
    expect(all.nodes).toEqual([
      { id: d.id, number: d.number, status: 'PAID' },
      { id: b.id, number: b.number, status: 'PENDING_PAYMENT' },
      { id: c.id, number: c.number, status: 'PENDING_PAYMENT' },
      { id: a.id, number: a.number, status: 'PENDING_PAYMENT' },
    ]);
    expect(all.totalCount).toBe(4);
    expect(all.pageInfo.hasNextPage).toBe(false);

    // when it is paged: 1, then 2 (across the tie of B and D), then the rest
    const first = await read({ first: 1 });
    expect(first.nodes.map((order) => order.id)).toEqual([d.id]);
    expect(first).toEqual(expect.objectContaining({ totalCount: 4, pageInfo: { hasNextPage: true, endCursor: expect.any(String) } }));
    const second = await read({ first: 2, after: first.pageInfo.endCursor });
    expect(second.nodes.map((order) => order.id)).toEqual([b.id, c.id]);
    expect(second.pageInfo.hasNextPage).toBe(true);
    expect(second.totalCount).toBe(4);
    const last = await read({ first: 2, after: second.pageInfo.endCursor });
    expect(last.nodes.map((order) => order.id)).toEqual([a.id]);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });

  it('is an empty connection for a customer without orders', async () => {
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const response = await gateway.graphql<{ viewer: { orders: OrderPage } }>(VIEWER_ORDERS, { first: 5 }, shopper.headers);
    expect(response.body).toEqual({ data: { viewer: { orders: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } } } });
  });

  it("does not show alice's orders to bob through node(alice), but does to staff", async () => {
    await insertOrder(alice.dbId, {});
    const USER_ORDERS = 'query UserOrders($id: ID!) { node(id: $id) { ... on User { id orders(first: 5) { totalCount nodes { id } } } } }';

    const byBob = await gateway.graphql<{ node: { id: string; orders: OrderPage | null } }>(USER_ORDERS, { id: alice.userId }, bob.headers);
    expect(byBob.body.data).toEqual({ node: { id: alice.userId, orders: null } });
    expectCode(byBob, 'FORBIDDEN', { path: ['node', 'orders'] });

    const byStaff = await gateway.graphql<{ node: { id: string; orders: OrderPage | null } }>(USER_ORDERS, { id: alice.userId }, staff.headers);
    expect(byStaff.body.errors).toBeUndefined();
    expect(byStaff.body.data?.node.orders?.totalCount).toBe(await gateway.prisma.order.count({ where: { userId: alice.dbId } }));
  });
});

describe('Query.order', () => {
  let order: { id: string; dbId: number; number: number };

  beforeAll(async () => {
    // given an order of alice: 2 × product-03 (3.99) and 1 × product-04 (4.99)
    order = await insertOrder(alice.dbId, { lines: [['product-03', 2], ['product-04', 1]] });
  });

  const EXPECTED = () => ({
    id: order.id,
    number: order.number,
    status: 'PENDING_PAYMENT',
    total: { amount: '12.97' },
    items: [
      { productName: 'Product 03 Office', quantity: 2 },
      { productName: 'Product 04 Kitchen', quantity: 1 },
    ],
  });

  it('gives the order to its customer and to staff', async () => {
    for (const viewer of [alice, staff]) {
      const response = await gateway.graphql(ORDER, { id: order.id }, viewer.headers);
      expect(response.body).toEqual({ data: { order: EXPECTED() } });
    }
  });

  it('answers another customer exactly as for an unknown order (NOT_FOUND), and an anonymous caller with UNAUTHENTICATED', async () => {
    // when bob asks for alice's order, and for an order that does not exist
    const foreign = await gateway.graphql(ORDER, { id: order.id }, bob.headers);
    const unknown = await gateway.graphql(ORDER, { id: toGlobalId('Order', 999_999) }, bob.headers);
    // then both read the same: null with NOT_FOUND at order, and nothing else
    for (const response of [foreign, unknown]) {
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ order: null });
      expectCode(response, 'NOT_FOUND', { path: ['order'] });
    }
    expect(foreign.body.errors?.[0]?.message).toBe(unknown.body.errors?.[0]?.message);

    // and an anonymous caller must sign in first
    const anonymous = await gateway.graphql(ORDER, { id: order.id });
    expect(anonymous.body.data).toEqual({ order: null });
    expectCode(anonymous, 'UNAUTHENTICATED');
  });

  it('answers a malformed id with BAD_USER_INPUT', async () => {
    for (const id of ['not-an-id', toGlobalId('Product', order.dbId)]) {
      const response = await gateway.graphql(ORDER, { id }, alice.headers);
      expect(response.body.data).toEqual({ order: null });
      expectBadUserInput(response, ['order'], 'id');
    }
  });
});

describe('an order fetched by node by another customer', () => {
  let order: { id: string; dbId: number };
  let itemId: string;
  let paymentId: string;

  beforeAll(async () => {
    order = await insertOrder(alice.dbId, { lines: [['product-06', 1]], payment: { providerReference: 'pi_node_leak' } });
    const row = await gateway.prisma.order.findUniqueOrThrow({ where: { id: order.dbId }, include: { items: true, payment: true } });
    itemId = toGlobalId('OrderItem', row.items[0]!.id);
    paymentId = toGlobalId('Payment', row.payment!.id);
  });

  /** The response is the one an unknown id gets: `node: null`, no error, nothing that tells the object exists. */
  async function expectReadsAsMissing(selection: string, id: string, type: 'Order' | 'OrderItem' | 'Payment'): Promise<void> {
    const query = `query N($id: ID!) { node(id: $id) { ... on ${type} { ${selection} } } }`;
    for (const viewer of [bob, null]) {
      const response = await gateway.graphql<{ node: Record<string, unknown> | null }>(query, { id }, viewer?.headers ?? {});
      const unknown = await gateway.graphql(query, { id: toGlobalId(type, 999_999) }, viewer?.headers ?? {});
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { node: null } });
      expect(unknown.body).toEqual(response.body);
    }
  }

  it.each(['id', 'number', 'status', 'customer { id name }', 'items { productName }', 'total { amount }', 'payment { status }', 'createdAt'])(
    'answers Order.%s to bob and to anonymous callers as for an unknown order',
    (selection) => expectReadsAsMissing(selection, order.id, 'Order'),
  );

  it('answers the order line and the payment the same way', async () => {
    await expectReadsAsMissing('id productName quantity unitPrice { amount }', itemId, 'OrderItem');
    await expectReadsAsMissing('id status amount { amount } providerReference', paymentId, 'Payment');
  });

  it('answers nodes(ids) with null in its place, keeping the rest', async () => {
    const response = await gateway.graphql<{ nodes: unknown[] }>(
      'query N($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [order.id, alice.userId] },
      bob.headers,
    );
    expect(response.body).toEqual({ data: { nodes: [null, { id: alice.userId }] } });
  });

  it('gives the same order to alice herself', async () => {
    const response = await gateway.graphql(
      'query N($id: ID!) { node(id: $id) { ... on Order { id items { productName } } } }',
      { id: order.id },
      alice.headers,
    );
    expect(response.body).toEqual({ data: { node: { id: order.id, items: [{ productName: 'Product 06 Office' }] } } });
  });
});

describe('Query.orders', () => {
  const ORDERS = `query Orders($first: Int, $after: String, $status: OrderStatus) { orders(first: $first, after: $after, status: $status) { ${PAGE_FIELDS} } }`;

  it('lists all orders newest first for staff, and filters them by status', async () => {
    // given orders in several statuses
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const paidOld = await insertOrder(shopper.dbId, { status: 'PAID', createdAt: new Date('2025-01-01T00:00:00Z') });
    const paidNew = await insertOrder(shopper.dbId, { status: 'PAID', createdAt: new Date('2030-01-01T00:00:00Z') });
    await insertOrder(shopper.dbId, { status: 'SHIPPED', createdAt: new Date('2030-01-02T00:00:00Z') });

    // when staff reads the PAID ones
    const response = await gateway.graphql<{ orders: OrderPage }>(ORDERS, { first: 100, status: 'PAID' }, staff.headers);

    // then it gets exactly the PAID orders, newest first, with their count
    expect(response.body.errors).toBeUndefined();
    const page = response.body.data!.orders;
    const paid = await gateway.prisma.order.findMany({ where: { status: 'PAID' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(page.totalCount).toBe(paid.length);
    expect(page.nodes.map((order) => order.id)).toEqual(paid.map((order) => toGlobalId('Order', order.id)));
    expect(page.nodes.every((order) => order.status === 'PAID')).toBe(true);
    expect(page.nodes[0]?.id).toBe(paidNew.id);
    expect(page.nodes.at(-1)?.id).toBe(paidOld.id);

    // and without a filter, all orders, paged with first/after
    const all = await gateway.prisma.order.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    const first = await gateway.graphql<{ orders: OrderPage }>(ORDERS, { first: 2 }, staff.headers);
    const next = await gateway.graphql<{ orders: OrderPage }>(ORDERS, { first: 2, after: first.body.data?.orders.pageInfo.endCursor }, staff.headers);
    expect(first.body.data?.orders.totalCount).toBe(all.length);
    expect([...first.body.data!.orders.nodes, ...next.body.data!.orders.nodes].map((order) => order.id)).toEqual(
      all.slice(0, 4).map((order) => toGlobalId('Order', order.id)),
    );
  });

  it('is refused to customers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED)', async () => {
    for (const [viewer, code] of [[alice, 'FORBIDDEN'], [null, 'UNAUTHENTICATED']] as const) {
      const response = await gateway.graphql(ORDERS, { first: 5, status: 'PAID' }, viewer?.headers ?? {});
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ orders: null });
      expectCode(response, code);
    }
  });
});

describe('Payment', () => {
  const ORDER_PAYMENT = 'query P($id: ID!) { order(id: $id) { payment { status amount { amount } failureReason providerReference } } }';

  it('shows the payment to the customer, but its providerReference only to staff', async () => {
    // given an order of alice with a payment at the provider
    const order = await insertOrder(alice.dbId, { lines: [['product-07', 1]], payment: { providerReference: 'pi_staff_only_123' } });

    // when alice reads it, then everything but the provider reference, which is null with FORBIDDEN
    const byAlice = await gateway.graphql(ORDER_PAYMENT, { id: order.id }, alice.headers);
    expect(byAlice.body.data).toEqual({ order: { payment: { status: 'PENDING', amount: { amount: '7.99' }, failureReason: null, providerReference: null } } });
    expectCode(byAlice, 'FORBIDDEN', { path: ['order', 'payment', 'providerReference'] });
    expect(JSON.stringify(byAlice.body)).not.toContain('pi_staff_only_123');

    // when staff reads it, then the reference is there
    const byStaff = await gateway.graphql(ORDER_PAYMENT, { id: order.id }, staff.headers);
    expect(byStaff.body).toEqual({
      data: { order: { payment: { status: 'PENDING', amount: { amount: '7.99' }, failureReason: null, providerReference: 'pi_staff_only_123' } } },
    });
  });

  it('is null for an order without a payment', async () => {
    const order = await insertOrder(alice.dbId, {});
    expect((await gateway.graphql(ORDER_PAYMENT, { id: order.id }, alice.headers)).body).toEqual({ data: { order: { payment: null } } });
  });
});

describe('cancelOrder', () => {
  it('lets the customer cancel a pending order, releasing its stock exactly once', async () => {
    // given stock of 10 and 10, and an order of 2 × product-08 and 3 × product-09
    await setStock('product-08', 10);
    await setStock('product-09', 10);
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const order = await placeOrder(shopper, [['product-08', 2], ['product-09', 3]]);
    expect(await stockOf('product-08', 'product-09')).toEqual([8, 7]);

    // when the customer cancels it
    moved(await cancel(shopper, order.id), 'cancelOrder', order.id, 'CANCELLED');

    // then it is cancelled and the stock is back to what it was before the order
    expect(await statusOf(order.dbId)).toBe('CANCELLED');
    expect(await stockOf('product-08', 'product-09')).toEqual([10, 10]);

    // when it is cancelled again, then that is an illegal transition and nothing changes
    const before = await snapshot();
    const error = refused(await cancel(shopper, order.id), 'cancelOrder', 'ILLEGAL_TRANSITION');
    expect(error.message).toContain('CANCELLED');
    expect(await snapshot()).toEqual(before);
    expect(await stockOf('product-08', 'product-09')).toEqual([10, 10]);
  });

  it('releases the stock once when the same order is cancelled 5 times at once', async () => {
    await setStock('product-11', 10);
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const order = await placeOrder(shopper, [['product-11', 4]]);
    expect(await stockOf('product-11')).toEqual([6]);

    const responses = await Promise.all([1, 2, 3, 4, 5].map(() => cancel(shopper, order.id)));

    const codes = responses.map((response) => response.body.data?.cancelOrder.userErrors.map((error) => error.code) ?? ['?']);
    expect(codes.filter((list) => list.length === 0)).toHaveLength(1);
    expect(codes.flat()).toEqual(['ILLEGAL_TRANSITION', 'ILLEGAL_TRANSITION', 'ILLEGAL_TRANSITION', 'ILLEGAL_TRANSITION']);
    expect(await stockOf('product-11')).toEqual([10]);
    expect(await statusOf(order.dbId)).toBe('CANCELLED');
  });

  it('lets the customer cancel a paid order, releasing its stock', async () => {
    await setStock('product-12', 10);
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const order = await placeOrder(shopper, [['product-12', 3]]);
    await gateway.prisma.order.update({ where: { id: order.dbId }, data: { status: 'PAID' } });

    moved(await cancel(shopper, order.id), 'cancelOrder', order.id, 'CANCELLED');

    expect(await statusOf(order.dbId)).toBe('CANCELLED');
    expect(await stockOf('product-12')).toEqual([10]);
  });

  it.each(['SHIPPED', 'DELIVERED', 'REFUNDED'] as const)('refuses to cancel a %s order with ILLEGAL_TRANSITION, changing nothing', async (status) => {
    await setStock('product-13', 10);
    const shopper = await newCustomer(gateway, 'orders-shopper');
    const order = await placeOrder(shopper, [['product-13', 1]]);
    await gateway.prisma.order.update({ where: { id: order.dbId }, data: { status } });
    const before = await snapshot();

    const error = refused(await cancel(shopper, order.id), 'cancelOrder', 'ILLEGAL_TRANSITION');

    expect(error.message).toContain(status);
    expect(await snapshot()).toEqual(before);
    expect(await statusOf(order.dbId)).toBe(status);
  });

  it("answers bob cancelling alice's order exactly like an unknown order (ORDER_NOT_FOUND), changing nothing", async () => {
    await setStock('product-14', 10);
    const order = await placeOrder(alice, [['product-14', 2]]);
    const before = await snapshot();

    const foreign = refused(await cancel(bob, order.id), 'cancelOrder', 'ORDER_NOT_FOUND');
    const unknown = refused(await cancel(bob, toGlobalId('Order', 999_999)), 'cancelOrder', 'ORDER_NOT_FOUND');

    expect(foreign).toEqual(unknown);
    expect(await snapshot()).toEqual(before);
    expect(await statusOf(order.dbId)).toBe('PENDING_PAYMENT');
  });

  it("lets staff cancel any customer's order, releasing its stock", async () => {
    await setStock('product-16', 10);
    const order = await placeOrder(alice, [['product-16', 5]]);
    expect(await stockOf('product-16')).toEqual([5]);

    moved(await cancel(staff, order.id), 'cancelOrder', order.id, 'CANCELLED');

    expect(await statusOf(order.dbId)).toBe('CANCELLED');
    expect(await stockOf('product-16')).toEqual([10]);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED, changing nothing', async () => {
    const order = await insertOrder(alice.dbId, {});
    const before = await snapshot();

    const response = await cancel(null, order.id);

    expect(response.body.data).toBeNull();
    expectCode(response, 'UNAUTHENTICATED');
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    { case: 'a malformed id', id: () => 'not-an-id' },
    { case: 'a Product id', id: () => toGlobalId('Product', 1) },
  ])('answers $case as orderId with BAD_USER_INPUT naming input.orderId', async ({ id }) => {
    const before = await snapshot();

    const response = await cancel(alice, id());

    expectBadUserInput(response, ['cancelOrder'], 'input.orderId');
    expect(response.body.data).toBeNull();
    expect(await snapshot()).toEqual(before);
  });
});

describe('markOrderShipped', () => {
  it('lets staff ship a paid order, leaving stock alone', async () => {
    await setStock('product-17', 10);
    const order = await placeOrder(alice, [['product-17', 2]]);
    await gateway.prisma.order.update({ where: { id: order.dbId }, data: { status: 'PAID' } });

    moved(await ship(staff, order.id), 'markOrderShipped', order.id, 'SHIPPED');

    expect(await statusOf(order.dbId)).toBe('SHIPPED');
    expect(await stockOf('product-17')).toEqual([8]);
  });

  it.each(['PENDING_PAYMENT', 'SHIPPED', 'CANCELLED'] as const)('refuses to ship a %s order with ILLEGAL_TRANSITION', async (status) => {
    const order = await insertOrder(alice.dbId, { status });
    const before = await snapshot();

    const error = refused(await ship(staff, order.id), 'markOrderShipped', 'ILLEGAL_TRANSITION');

    expect(error.message).toContain(status);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a customer, even the order’s own, with FORBIDDEN, changing nothing', async () => {
    const order = await insertOrder(alice.dbId, { status: 'PAID' });
    const before = await snapshot();

    const response = await ship(alice, order.id);

    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expectCode(response, 'FORBIDDEN');
    expect(await snapshot()).toEqual(before);
    expect(await statusOf(order.dbId)).toBe('PAID');
  });

  it('answers an unknown order with ORDER_NOT_FOUND, changing nothing', async () => {
    const before = await snapshot();
    refused(await ship(staff, toGlobalId('Order', 999_999)), 'markOrderShipped', 'ORDER_NOT_FOUND');
    expect(await snapshot()).toEqual(before);
  });

  it('answers a malformed orderId with BAD_USER_INPUT naming input.orderId', async () => {
    const before = await snapshot();

    const malformed = await ship(staff, 'not-an-id');

    expectBadUserInput(malformed, ['markOrderShipped'], 'input.orderId');
    expect(malformed.body.data).toBeNull();
    expect(await snapshot()).toEqual(before);
  });
});

describe('reading a page of orders', () => {
  const ORDERS_PAGE = /* GraphQL */ `
    query Orders($first: Int!) {
      viewer {
        orders(first: $first) {
          nodes {
            number
            total { amount }
            items { quantity product { name category { name } } }
            payment { status }
          }
        }
      }
    }
  `;

  interface OrdersPage {
    viewer: {
      orders: {
        nodes: Array<{
          number: number;
          total: { amount: string };
          items: Array<{ quantity: number; product: { name: string; category: { name: string } } }>;
          payment: { status: string } | null;
        }>;
      };
    };
  }

  /** A new customer with `count` orders of two or three lines over all categories; every other one has a payment. */
  async function customerWithOrders(count: number): Promise<Customer> {
    const customer = await newCustomer(gateway, 'orders-shopper');
    for (let i = 0; i < count; i++) {
      const lines: Array<[string, number]> = [[`product-0${(i % 3) + 1}`, 1], [`product-1${(i % 3) + 1}`, 2], [`product-2${(i % 3) + 1}`, 1]];
      await insertOrder(customer.dbId, {
        lines: lines.slice(0, 2 + (i % 2)),
        createdAt: new Date(Date.UTC(2026, 4, 1 + i)),
        ...(i % 2 === 0 ? { payment: { providerReference: `pi_${customer.dbId}_${i}` } } : {}),
      });
    }
    return customer;
  }

  it('takes the same, small number of SQL statements for 2 orders and for 8', async () => {
    // given customers with 2 and with 8 orders
    const two = await customerWithOrders(2);
    const eight = await customerWithOrders(8);

    // when each reads its orders with lines, products, categories and payments
    const small = await gateway.countStatements(() => gateway.graphql<OrdersPage>(ORDERS_PAGE, { first: 2 }, two.headers));
    const large = await gateway.countStatements(() => gateway.graphql<OrdersPage>(ORDERS_PAGE, { first: 8 }, eight.headers));

    // then both are complete
    for (const [read, count] of [[small, 2], [large, 8]] as const) {
      expect(read.result.body.errors).toBeUndefined();
      const nodes = read.result.body.data!.viewer.orders.nodes;
      expect(nodes).toHaveLength(count);
      expect(nodes.filter((order) => order.payment !== null)).toHaveLength(count / 2);
      expect(nodes.every((order) => order.items.length >= 2 && order.items.every((item) => item.product.category.name.length > 0))).toBe(true);
    }
    // and the statement count does not grow with the page: the viewer, the page of orders, their lines,
    // their payments, the products and the categories
    expect(small.statements).toBe(6);
    expect(large.statements).toBe(small.statements);
  });
});

describe('forged order cursors', () => {
  // A cursor of the right ordering whose value is not a timestamp used to reach the database as an invalid date (a 500).
  const forged = Buffer.from(JSON.stringify(['NEWEST', 'not-a-date', 1]), 'utf8').toString('base64url');

  it.each([
    ['Query.orders (staff)', '{ orders(first: 2, after: $after) { totalCount } }'],
    ['User.orders (own)', '{ viewer { orders(first: 2, after: $after) { totalCount } } }'],
  ])('%s refuses it as BAD_USER_INPUT naming "after"', async (_name, selection) => {
    // given a signed-in staff member, when a forged cursor is sent
    const staff = await signedIn(gateway, ACCOUNTS.staff.email);
    const response = await gateway.graphql(selection.replace('{', 'query($after: String) {'), { after: forged }, staff.headers);

    // then it is a client error on "after", not a fault
    expectCode(response, 'BAD_USER_INPUT', { argument: 'after' });
  });
});
