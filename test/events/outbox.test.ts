import { randomUUID } from 'node:crypto';
import { toGlobalId } from '../../src/graphql/global-id';
import { signatureHeader } from '../../src/integrations/payments/signature';
import { EVENT_TYPES, orderPlaced } from '../../src/modules/events/catalogue';
import { recordEvent } from '../../src/modules/events/outbox';
import { expireUnpaidOrders } from '../../src/modules/order/expiry';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors } from '../helpers/assertions';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import {
  addToCart,
  allDelivered,
  cancel,
  checkout,
  createEndpoint,
  dbId,
  eventually,
  outbox,
  pay,
  placeOrder,
  Receiver,
  refund,
  ship,
  typesByAggregate,
} from './support';

// The transactional outbox, in the default set-up (no broker: events are
// dispatched in process). Every change drives the public API (and the
// payment provider's webhook, as the sandbox sends it); the outbox is the
// record of what was published, and a webhook receiver shows what left.

let gateway: TestGateway;
let staff: Customer;
let admin: Customer;
const receiver = new Receiver();
let secret: string;

const ADJUST = 'mutation Adjust($input: AdjustStockInput!) { adjustStock(input: $input) { product { stockQuantity } userErrors { code } } }';

beforeAll(async () => {
  // A threshold other than the default, to show it is the configured one that counts.
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog, env: { STOCK_LOW_THRESHOLD: '6' }, domainEvents: true });
  await gateway.prisma.product.updateMany({ data: { stockQuantity: 1000, published: true } });
  await gateway.prisma.product.update({ where: { slug: 'product-07' }, data: { stockQuantity: 7 } });
  staff = await signedIn(gateway, ACCOUNTS.staff.email);
  admin = await signedIn(gateway, ACCOUNTS.admin.email);
  // A merchant subscribed to everything, to see what left the gateway.
  const created = expectAccepted(await createEndpoint(gateway, admin, { url: await receiver.start(), eventTypes: [...EVENT_TYPES] }));
  secret = created.secret!;
});
afterAll(async () => {
  await gateway?.close();
  await receiver.stop();
});

async function adjustStock(slug: string, delta: number): Promise<number> {
  const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug } });
  const response = await gateway.graphql<{ adjustStock: { product: { stockQuantity: number } | null; userErrors: Array<{ code: string }> } }>(
    ADJUST,
    { input: { productId: toGlobalId('Product', product.id), delta } },
    staff.headers,
  );
  expectNoErrors(response);
  return expectAccepted(response.body.data?.adjustStock).product!.stockQuantity;
}

/** Posts a payment-provider event to the webhook route, signed as the provider signs. */
async function providerWebhook(event: unknown): Promise<number> {
  const body = JSON.stringify(event);
  const response = await fetch(`${gateway.origin}/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'payment-signature': signatureHeader(gateway.payments.webhookSecrets, body, Math.floor(Date.now() / 1000)) },
    body,
  });
  return response.status;
}

describe('what a rolled-back transaction publishes: nothing', () => {
  it('records no event for a checkout refused as OUT_OF_STOCK, and reserves nothing', async () => {
    // given a customer whose cart asks for more than is left by the time she checks out
    const customer = await newCustomer(gateway, 'too-many');
    await addToCart(gateway, customer, 'product-05', 2);
    await addToCart(gateway, customer, 'product-07', 5);
    await gateway.prisma.product.update({ where: { slug: 'product-07' }, data: { stockQuantity: 3 } });
    const before = (await outbox(gateway.prisma)).length;

    // when the checkout is refused (after product-05 was reserved in the same transaction)
    const refused = await checkout(gateway, customer);

    // then nothing was recorded (recording is part of the transaction: had it committed, the rows would be there now)
    expect(refused.userErrors.map((error) => error.code)).toEqual(['OUT_OF_STOCK']);
    expect(await outbox(gateway.prisma)).toHaveLength(before);
    expect((await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-05' } })).stockQuantity).toBe(1000);
    await gateway.prisma.product.update({ where: { slug: 'product-07' }, data: { stockQuantity: 7 } });
  });

  it('keeps no event recorded in a transaction that failed after recording it', async () => {
    // given an event recorded inside a transaction that then fails
    const before = (await outbox(gateway.prisma)).length;
    const order = { id: 999_999, number: 1, status: 'PENDING_PAYMENT' as const, userId: 1, totalCents: 100, currency: 'USD' };
    const failure = gateway.prisma.$transaction(async (tx) => {
      await recordEvent(tx, orderPlaced(order, []));
      throw new Error('the change failed after its event was recorded');
    });

    // then the transaction's failure takes the event with it
    await expect(failure).rejects.toThrow('the change failed after its event was recorded');
    expect(await outbox(gateway.prisma)).toHaveLength(before);
  });
});

describe('the event catalogue, once per change', () => {
  it('records each listed event exactly once per change, in order per aggregate, and delivers each once', async () => {
    const alice = await newCustomer(gateway, 'events-a');
    const bob = await newCustomer(gateway, 'events-b');
    const product07 = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: 'product-07' } });

    // given order A, which takes product-07 from 7 to 4 (below the threshold of 6), and expires unpaid
    const orderA = await placeOrder(gateway, alice, 'product-07', 3);
    const placedA = await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(orderA) } });
    expect(await expireUnpaidOrders(gateway.prisma, 0, new Date(placedA.createdAt.getTime() + 1))).toEqual([placedA.id]);

    // and order B: declined, paid, shipped, refunded; the provider's success delivered twice, a checkout retried
    await addToCart(gateway, bob, 'product-05', 2);
    const orderB = expectAccepted(await checkout(gateway, bob, 'order-b')).order!.id;
    expect(expectAccepted(await checkout(gateway, bob, 'order-b')).order!.id).toBe(orderB);
    await pay(gateway, bob, orderB, 'pm_card_declined');
    await pay(gateway, bob, orderB);
    const succeeded = await gateway.prisma.webhookEvent.findFirstOrThrow({ where: { orderId: dbId(orderB), type: 'payment_intent.succeeded' } });
    const paymentB = await gateway.prisma.payment.findUniqueOrThrow({ where: { orderId: dbId(orderB) } });
    const again = { id: succeeded.id, type: succeeded.type, created: Math.floor(Date.now() / 1000), data: { object: { id: paymentB.providerReference, amount: paymentB.amountCents, currency: 'usd', status: 'succeeded', metadata: { orderId: orderB } } } };
    expect(await providerWebhook(again)).toBe(200);
    await ship(gateway, staff, orderB);
    // a move the state machine refuses changes nothing, so it records nothing
    const refusedCancel = await gateway.graphql<{ cancelOrder: { userErrors: Array<{ code: string }> } }>(
      'mutation C($input: CancelOrderInput!) { cancelOrder(input: $input) { userErrors { code } } }',
      { input: { orderId: orderB } },
      staff.headers,
    );
    expect(refusedCancel.body.data?.cancelOrder.userErrors.map((error) => error.code)).toEqual(['ILLEGAL_TRANSITION']);
    await refund(gateway, staff, orderB);

    // and order C, cancelled by its customer
    const orderC = await placeOrder(gateway, alice, 'product-05', 1);
    await cancel(gateway, alice, orderC);

    // and product-07's stock adjusted by staff: 7 → 6 (not below 6), → 5 (below), → 4 (still below), → 14
    expect(await adjustStock('product-07', -1)).toBe(6);
    expect(await adjustStock('product-07', -1)).toBe(5);
    expect(await adjustStock('product-07', -1)).toBe(4);
    expect(await adjustStock('product-07', 10)).toBe(14);

    // then the outbox holds exactly one event per change, in the order of each aggregate's changes
    const events = await allDelivered(gateway.prisma);
    const product = toGlobalId('Product', product07.id);
    expect(typesByAggregate(events)).toEqual({
      [orderA]: ['order.placed', 'order.expired'],
      [orderB]: ['order.placed', 'order.payment_failed', 'order.paid', 'order.shipped', 'order.refunded'],
      [orderC]: ['order.placed', 'order.cancelled'],
      [product]: ['product.stock_low', 'product.stock_low'],
    });
    // each delivered with one attempt (the in-process consumers took it at once)
    expect(events.map((event) => [event.attempts, event.lastError])).toEqual(events.map(() => [1, null]));

    // and the payloads are versioned and speak in the API's global IDs
    const placedB = events.find((event) => event.aggregateId === orderB && event.type === 'order.placed')!;
    const orderRowB = await gateway.prisma.order.findUniqueOrThrow({ where: { id: dbId(orderB) } });
    expect(placedB.payload).toEqual({
      version: 1,
      order: { id: orderB, number: orderRowB.number, status: 'PENDING_PAYMENT', customerId: bob.userId, total: { amount: expect.stringMatching(/^\d+\.\d\d$/), currencyCode: 'USD' } },
      items: [{ productId: expect.any(String), productName: expect.any(String), quantity: 2, unitPrice: { amount: expect.stringMatching(/^\d+\.\d\d$/), currencyCode: 'USD' } }],
    });
    const paid = events.find((event) => event.aggregateId === orderB && event.type === 'order.paid')!;
    expect(paid.payload).toMatchObject({ version: 1, order: { id: orderB, status: 'PAID' }, payment: { id: toGlobalId('Payment', paymentB.id), status: 'SUCCEEDED' } });
    const stockLow = events.filter((event) => event.type === 'product.stock_low').map((event) => event.payload);
    expect(stockLow).toEqual([
      { version: 1, product: { id: product, slug: 'product-07', name: product07.name, stockQuantity: 4 }, threshold: 6 },
      { version: 1, product: { id: product, slug: 'product-07', name: product07.name, stockQuantity: 5 }, threshold: 6 },
    ]);

    // and the merchant's endpoint got each event once, signed, with the event id as webhook-id
    const received = await eventually('the receiver to get every event', async () => {
      const verified = receiver.verified(secret);
      return verified.length >= events.length && verified;
    });
    expect(received.map((message) => message.id).sort()).toEqual(events.map((event) => event.id).sort());
    expect(receiver.received.map((request) => request.headers['webhook-id']).sort()).toEqual(events.map((event) => event.id).sort());
  });

  it('undoes a checkout the payment provider could not take with order.cancelled after its order.placed', async () => {
    // given the provider down
    const customer = await newCustomer(gateway, 'provider-down');
    await addToCart(gateway, customer, 'product-05', 1);
    const before = (await outbox(gateway.prisma)).length;
    await setSandbox({ down: true });
    try {
      // when the checkout is undone (the order and its lines are deleted)
      const refused = await checkout(gateway, customer, `down-${randomUUID()}`);
      expect(refused.userErrors.map((error) => error.code)).toEqual(['PAYMENT_PROVIDER_UNAVAILABLE']);
    } finally {
      await setSandbox({ down: false });
    }

    // then consumers heard of the order and of its end
    const events = (await allDelivered(gateway.prisma)).slice(before);
    expect(events.map((event) => event.type)).toEqual(['order.placed', 'order.cancelled']);
    expect(new Set(events.map((event) => event.aggregateId)).size).toBe(1);
  });
});

async function setSandbox(switches: Record<string, unknown>): Promise<void> {
  const { sandboxUrl, sandboxApiKey } = gateway.payments;
  const response = await fetch(`${sandboxUrl}/_sandbox/switches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandboxApiKey}` },
    body: JSON.stringify(switches),
  });
  expect(response.status).toBeLessThan(300);
}
