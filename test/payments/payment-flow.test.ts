import type { OrderErrorCode, PaymentErrorCode } from '../../src/generated/graphql';
import { toGlobalId } from '../../src/graphql/global-id';
import { signatureHeader } from '../../src/integrations/payments/signature';
import { expireUnpaidOrders } from '../../src/modules/order/expiry';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// The payment flow end to end, over real HTTP: the gateway, the repository's
// sandbox provider running in-process, and the provider's signed webhooks
// coming back to POST /webhooks/payments.

interface OrderView {
  id: string;
  status: string;
  total: { amount: string };
  payment: { status: string; amount: { amount: string }; clientSecret: string | null } | null;
}
const ORDER_FIELDS = 'id status total { amount } payment { status amount { amount } clientSecret }';
const CHECKOUT = `mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field } } }`;
const CONFIRM = `mutation Confirm($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { order { id status } userErrors { code message field } } }`;
const REFUND = `mutation Refund($input: RefundOrderInput!) { refundOrder(input: $input) { order { id status } userErrors { code message field } } }`;
const ADD = 'mutation Add($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }';

type CheckoutData = { checkout: { order: OrderView | null; userErrors: Array<UserError<OrderErrorCode>> } };
type PaymentData<K extends string> = { [P in K]: { order: { id: string; status: string } | null; userErrors: Array<UserError<PaymentErrorCode>> } };

let gateway: TestGateway;
let staff: Customer;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  // Plenty of stock: these tests are about payments, not about running out.
  await gateway.prisma.product.updateMany({ data: { stockQuantity: 1000, published: true } });
  staff = await signedIn(gateway, ACCOUNTS.staff.email);
});
afterAll(() => gateway?.close());

/** Turns the in-process sandbox's switches (500s, outages, webhook delays…) on or off. */
async function sandboxSwitches(switches: Record<string, unknown>): Promise<void> {
  const { sandboxUrl, sandboxApiKey } = gateway.payments;
  const response = await fetch(`${sandboxUrl}/_sandbox/switches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandboxApiKey}` },
    body: JSON.stringify(switches),
  });
  expect(response.status).toBeLessThan(300);
}

/** A customer with `quantity` of a product in the cart, checked out; returns the order. */
async function placeOrder(customer: Customer, slug = 'product-05', quantity = 1): Promise<OrderView> {
  const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug } });
  const added = await gateway.graphql(ADD, { input: { productId: toGlobalId('Product', product.id), quantity } }, customer.headers);
  expect(added.body).toEqual({ data: { addToCart: { userErrors: [] } } });
  const response = await gateway.graphql<CheckoutData>(CHECKOUT, { input: { idempotencyKey: `key-${Math.random()}` } }, customer.headers);
  expectNoErrors(response);
  return expectAccepted(response.body.data?.checkout).order!;
}

async function confirm(customer: Customer, orderId: string, paymentMethod: string) {
  return gateway.graphql<PaymentData<'confirmPayment'>>(CONFIRM, { input: { orderId, paymentMethod } }, customer.headers);
}

/** Waits until the order's row has `status` (the webhook arrives asynchronously). */
async function waitForStatus(orderId: string, status: string, timeoutMs = 10_000): Promise<void> {
  const id = Number(Buffer.from(orderId, 'base64url').toString('utf8').split(':')[1]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await gateway.prisma.order.findUniqueOrThrow({ where: { id } });
    if (row.status === status) return;
    if (Date.now() > deadline) throw new Error(`order ${id} is ${row.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function dbId(globalId: string): number {
  return Number(Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]);
}

/** Posts a provider event to the webhook route, signed with the gateway's secret unless told otherwise. */
async function deliver(event: unknown, options: { signature?: string; timestamp?: number; rawBody?: string } = {}) {
  const body = options.rawBody ?? JSON.stringify(event);
  const t = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? signatureHeader(gateway.payments.webhookSecrets, body, t);
  const response = await fetch(`${gateway.origin}/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'payment-signature': signature },
    body,
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
}

/** The provider event for an order's payment, as the provider would send it. */
async function eventFor(orderId: string, type: string, overrides: { id?: string; amount?: number; currency?: string } = {}) {
  const payment = await gateway.prisma.payment.findUniqueOrThrow({ where: { orderId: dbId(orderId) } });
  return {
    id: overrides.id ?? `evt_test_${Math.random().toString(36).slice(2)}`,
    type,
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: payment.providerReference,
        amount: overrides.amount ?? payment.amountCents,
        currency: overrides.currency ?? 'usd',
        status: type === 'payment_intent.succeeded' ? 'succeeded' : 'payment_failed',
        metadata: { orderId },
      },
    },
  };
}

describe('checkout and payment through the sandbox provider', () => {
  it('creates the payment intent at checkout, and turns the order PAID when the provider confirms a visa card', async () => {
    // given a customer's order, placed with its payment intent
    const alice = await newCustomer(gateway, 'pay-visa');
    const order = await placeOrder(alice);
    expect(order.status).toBe('PENDING_PAYMENT');
    expect(order.payment).toEqual({ status: 'PENDING', amount: { amount: order.total.amount }, clientSecret: expect.stringMatching(/\S{10,}/) });

    // when she confirms it with the card that succeeds
    const response = await confirm(alice, order.id, 'pm_card_visa');

    // then the mutation is accepted, and the order turns PAID once the signed webhook arrived
    expectNoErrors(response);
    expect(expectAccepted(response.body.data?.confirmPayment).order?.id).toBe(order.id);
    await waitForStatus(order.id, 'PAID');
    const payment = await gateway.prisma.payment.findUniqueOrThrow({ where: { orderId: dbId(order.id) } });
    expect(payment.status).toBe('SUCCEEDED');
    // and staff see what the provider said
    const events = await gateway.graphql<{ node: { paymentEvents: Array<{ type: string; outcome: string }> } }>(
      'query E($id: ID!) { node(id: $id) { ... on Order { paymentEvents { type outcome } } } }',
      { id: order.id },
      staff.headers,
    );
    expect(events.body.data?.node.paymentEvents).toEqual([{ type: 'payment_intent.succeeded', outcome: 'APPLIED' }]);
  });

  it('reports a declined card as PAYMENT_DECLINED and leaves the order payable with another card', async () => {
    const bob = await newCustomer(gateway, 'pay-declined');
    const order = await placeOrder(bob);

    // when the card is declined
    const declined = await confirm(bob, order.id, 'pm_card_declined');
    expectUserError(declined.body.data?.confirmPayment, 'PAYMENT_DECLINED', ['input', 'paymentMethod']);
    // then the webhook records the failure on the payment, and the order is still pending
    await gatewayEventually(async () => (await gateway.prisma.payment.findUniqueOrThrow({ where: { orderId: dbId(order.id) } })).status === 'FAILED');
    expect((await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(order.id) } })).status).toBe('PENDING_PAYMENT');

    // and another card pays it
    const paid = await confirm(bob, order.id, 'pm_card_visa');
    expectNoErrors(paid);
    expectAccepted(paid.body.data?.confirmPayment);
    await waitForStatus(order.id, 'PAID');
  });

  it("answers another customer's order exactly like an unknown one (ORDER_NOT_FOUND), and refuses a paid order", async () => {
    const owner = await newCustomer(gateway, 'pay-owner');
    const other = await newCustomer(gateway, 'pay-other');
    const order = await placeOrder(owner);

    expectUserError((await confirm(other, order.id, 'pm_card_visa')).body.data?.confirmPayment, 'ORDER_NOT_FOUND', ['input', 'orderId']);
    expectUserError((await confirm(other, toGlobalId('Order', 999_999), 'pm_card_visa')).body.data?.confirmPayment, 'ORDER_NOT_FOUND', ['input', 'orderId']);
    expectUserError((await confirm(owner, order.id, 'not a method')).body.data?.confirmPayment, 'INVALID_PAYMENT_METHOD', ['input', 'paymentMethod']);

    expectAccepted((await confirm(owner, order.id, 'pm_card_visa')).body.data?.confirmPayment);
    await waitForStatus(order.id, 'PAID');
    expectUserError((await confirm(owner, order.id, 'pm_card_visa')).body.data?.confirmPayment, 'ORDER_NOT_PAYABLE', ['input', 'orderId']);
  });

  it('lets only the order’s customer read the client secret', async () => {
    const owner = await newCustomer(gateway, 'secret-owner');
    const order = await placeOrder(owner);
    const query = 'query S($id: ID!) { order(id: $id) { payment { clientSecret } } }';
    const byOwner = await gateway.graphql<{ order: { payment: { clientSecret: string } } }>(query, { id: order.id }, owner.headers);
    expect(byOwner.body.data?.order.payment.clientSecret).toBe(order.payment?.clientSecret);
    const byStaff = await gateway.graphql(query, { id: order.id }, staff.headers);
    expect(byStaff.body.errors?.map((e) => ({ path: e.path, code: e.extensions?.code }))).toEqual([
      { path: ['order', 'payment', 'clientSecret'], code: 'FORBIDDEN' },
    ]);
  });

  it('refunds a paid order through the provider (staff), the order turning REFUNDED with the webhook', async () => {
    const customer = await newCustomer(gateway, 'pay-refund');
    const order = await placeOrder(customer);
    expectUserError(
      (await gateway.graphql<PaymentData<'refundOrder'>>(REFUND, { input: { orderId: order.id, reason: 'early' } }, staff.headers)).body.data?.refundOrder,
      'NOT_REFUNDABLE',
      ['input', 'orderId'],
    );
    expectAccepted((await confirm(customer, order.id, 'pm_card_visa')).body.data?.confirmPayment);
    await waitForStatus(order.id, 'PAID');

    // a customer may not refund
    const byCustomer = await gateway.graphql(REFUND, { input: { orderId: order.id } }, customer.headers);
    expect(byCustomer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const refunded = await gateway.graphql<PaymentData<'refundOrder'>>(REFUND, { input: { orderId: order.id, reason: 'damaged' } }, staff.headers);
    expectNoErrors(refunded);
    expectAccepted(refunded.body.data?.refundOrder);
    await waitForStatus(order.id, 'REFUNDED');
  });
});

async function gatewayEventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a provider outage', () => {
  afterEach(() => sandboxSwitches({ down: false, failNext: 0 }));

  it('refuses the checkout with PAYMENT_PROVIDER_UNAVAILABLE, leaving no order, the stock and the cart as they were', async () => {
    // given a cart, and a provider that is down
    const customer = await newCustomer(gateway, 'outage');
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-07' } });
    await gateway.graphql(ADD, { input: { productId: toGlobalId('Product', product.id), quantity: 2 } }, customer.headers);
    await sandboxSwitches({ down: true });

    // when the customer checks out
    const response = await gateway.graphql<CheckoutData>(CHECKOUT, { input: { idempotencyKey: 'outage-1' } }, customer.headers);

    // then the checkout is refused cleanly, and nothing is half-made
    expectNoErrors(response);
    expectUserError(response.body.data?.checkout, 'PAYMENT_PROVIDER_UNAVAILABLE', null);
    expect(await gateway.prisma.order.count({ where: { userId: customer.dbId } })).toBe(0);
    expect((await gateway.prisma.product.findUniqueOrThrow({ where: { id: product.id } })).stockQuantity).toBe(product.stockQuantity);
    expect(await gateway.prisma.cartItem.findMany({ where: { cart: { userId: customer.dbId } }, select: { productId: true, quantity: true } })).toEqual([
      { productId: product.id, quantity: 2 },
    ]);

    // and once the provider is back, the same key places the order
    await sandboxSwitches({ down: false });
    const retried = await gateway.graphql<CheckoutData>(CHECKOUT, { input: { idempotencyKey: 'outage-1' } }, customer.headers);
    expect(expectAccepted(retried.body.data?.checkout).order?.payment?.clientSecret).toEqual(expect.any(String));
  });

  it('retries a provider answering 500 and creates one intent', async () => {
    const customer = await newCustomer(gateway, 'flaky');
    await sandboxSwitches({ failNext: 2 });
    const order = await placeOrder(customer);
    expect(order.payment?.clientSecret).toEqual(expect.any(String));
  });
});

describe('POST /webhooks/payments', () => {
  let customer: Customer;
  let order: OrderView;

  beforeAll(async () => {
    customer = await newCustomer(gateway, 'webhooks');
    order = await placeOrder(customer);
  });

  it.each([
    ['no signature', { signature: '' }],
    ['a malformed signature', { signature: 't=abc,v1=zz' }],
    ['a signature by another secret', { signature: signatureHeader('whsec_someone_else_entirely', '{}', Math.floor(Date.now() / 1000)) }],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
  ])('refuses %s with 400 and changes nothing', async (_name, options) => {
    const event = await eventFor(order.id, 'payment_intent.succeeded');
    const response = await deliver(event, options);
    expect(response.status).toBe(400);
    expect(await gateway.prisma.webhookEvent.count({ where: { id: event.id } })).toBe(0);
    expect((await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(order.id) } })).status).toBe('PENDING_PAYMENT');
  });

  it('refuses a tampered body, a body that is not an event, and one over 64 KB (413)', async () => {
    const event = await eventFor(order.id, 'payment_intent.succeeded');
    const t = Math.floor(Date.now() / 1000);
    const signed = signatureHeader(gateway.payments.webhookSecrets, JSON.stringify(event), t);
    expect((await deliver(event, { signature: signed, rawBody: JSON.stringify({ ...event, id: 'evt_other' }), timestamp: t })).status).toBe(400);
    expect((await deliver(null, { rawBody: '{"hello":"world"}' })).status).toBe(400);
    expect((await deliver(null, { rawBody: 'not json' })).status).toBe(400);
    expect((await deliver(null, { rawBody: JSON.stringify({ pad: 'x'.repeat(70_000) }) })).status).toBe(413);
    expect((await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(order.id) } })).status).toBe('PENDING_PAYMENT');
  });

  it('records a mismatching amount and does not mark the order paid', async () => {
    const event = await eventFor(order.id, 'payment_intent.succeeded', { amount: 1 });
    expect((await deliver(event)).status).toBe(200);
    expect(await gateway.prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ outcome: 'MISMATCH' });
    expect((await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(order.id) } })).status).toBe('PENDING_PAYMENT');
  });

  it('applies ten concurrent deliveries of one event exactly once, then ignores a late failure', async () => {
    // given one success event delivered ten times at once
    const event = await eventFor(order.id, 'payment_intent.succeeded');
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));

    // then all are answered 200, exactly one was applied, and the order is PAID
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((r) => r.body?.duplicate === false)).toHaveLength(1);
    expect(await gateway.prisma.webhookEvent.count({ where: { id: event.id } })).toBe(1);
    await waitForStatus(order.id, 'PAID', 1000);

    // when a failure for the same payment arrives late, then it is recorded and ignored
    const late = await eventFor(order.id, 'payment_intent.payment_failed');
    expect((await deliver(late)).status).toBe(200);
    expect(await gateway.prisma.webhookEvent.findUniqueOrThrow({ where: { id: late.id } })).toMatchObject({ outcome: 'IGNORED_STATE' });
    expect((await gateway.prisma.payment.findUniqueOrThrow({ where: { orderId: dbId(order.id) } })).status).toBe('SUCCEEDED');
  });

  it('answers an event for an unknown payment 200 and records it', async () => {
    const event = { id: 'evt_unknown_payment', type: 'payment_intent.succeeded', created: 1, data: { object: { id: 'pi_nope', amount: 100, currency: 'usd', status: 'succeeded', metadata: {} } } };
    expect((await deliver(event)).status).toBe(200);
    expect(await gateway.prisma.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ outcome: 'UNKNOWN_PAYMENT' });
  });
});

describe('unpaid orders expire', () => {
  it('cancels an order unpaid past the timeout and releases its stock exactly once', async () => {
    const customer = await newCustomer(gateway, 'expiry');
    const before = (await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-08' } })).stockQuantity;
    const order = await placeOrder(customer, 'product-08', 3);
    expect((await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-08' } })).stockQuantity).toBe(before - 3);

    // when two expiry runs race, an hour later
    const later = new Date(Date.now() + 3_600_000);
    const runs = await Promise.all([expireUnpaidOrders(gateway.prisma, 1_800_000, later), expireUnpaidOrders(gateway.prisma, 1_800_000, later)]);

    // then the order was expired once, and its stock is back once
    expect(runs.flat().filter((id) => id === dbId(order.id))).toHaveLength(1);
    expect((await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(order.id) } })).status).toBe('CANCELLED');
    expect((await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-08' } })).stockQuantity).toBe(before);
    // and a payment confirmed afterwards is refused
    expectUserError((await confirm(customer, order.id, 'pm_card_visa')).body.data?.confirmPayment, 'ORDER_NOT_PAYABLE', ['input', 'orderId']);
  });
});
