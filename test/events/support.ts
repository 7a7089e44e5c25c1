import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../../src/db/prisma';
import type { WebhookErrorCode } from '../../src/generated/graphql';
import type { OutboxEvent } from '../../src/generated/prisma/client';
import { toGlobalId } from '../../src/graphql/global-id';
import type { Customer } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors, type UserError } from '../helpers/assertions';
import type { TestGateway } from '../helpers/test-gateway';

/** What these helpers need of a gateway: its API and its database. */
export type Api = Pick<TestGateway, 'graphql' | 'prisma'>;

// What the tests of domain events share: driving orders through the API,
// reading the outbox, and a local HTTP receiver for webhooks.

/** Waits until `check` returns a value other than null/false (polling), or fails naming `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The database id inside a global ID. */
export function dbId(globalId: string): number {
  return Number(Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]);
}

export async function outbox(db: Db): Promise<OutboxEvent[]> {
  return db.outboxEvent.findMany({ orderBy: { position: 'asc' } });
}

/** The outbox once every event in it was delivered. */
export function allDelivered(db: Db): Promise<OutboxEvent[]> {
  return eventually('every outbox event to be delivered', async () => {
    const events = await outbox(db);
    return events.every((event) => event.deliveredAt !== null) && events;
  });
}

/** The event types recorded for each aggregate, in outbox order. */
export function typesByAggregate(events: ReadonlyArray<Pick<OutboxEvent, 'aggregateId' | 'type'>>): Record<string, string[]> {
  const byAggregate: Record<string, string[]> = {};
  for (const event of events) (byAggregate[event.aggregateId] ??= []).push(event.type);
  return byAggregate;
}

const ADD = 'mutation Add($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }';
const CHECKOUT = 'mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { order { id status } userErrors { code message } } }';
const CONFIRM = 'mutation Confirm($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { order { id } userErrors { code } } }';
const SHIP = 'mutation Ship($input: MarkOrderShippedInput!) { markOrderShipped(input: $input) { order { status } userErrors { code } } }';
const CANCEL = 'mutation Cancel($input: CancelOrderInput!) { cancelOrder(input: $input) { order { status } userErrors { code } } }';
const REFUND = 'mutation Refund($input: RefundOrderInput!) { refundOrder(input: $input) { order { id } userErrors { code } } }';

type Payload = { userErrors: Array<{ code: string; message?: string }> };
type CheckoutData = { checkout: Payload & { order: { id: string; status: string } | null } };

/** Puts `quantity` of a product in the customer's cart. */
export async function addToCart(gateway: Api, customer: Customer, slug: string, quantity: number): Promise<void> {
  const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug } });
  const added = await gateway.graphql(ADD, { input: { productId: toGlobalId('Product', product.id), quantity } }, customer.headers);
  expectNoErrors(added);
  expect(added.body.data).toEqual({ addToCart: { userErrors: [] } });
}

/** Checks the cart out with `key`; returns the payload (an order, or user errors). */
export async function checkout(gateway: Api, customer: Customer, key = `key-${Math.random()}`): Promise<CheckoutData['checkout']> {
  const response = await gateway.graphql<CheckoutData>(CHECKOUT, { input: { idempotencyKey: key } }, customer.headers);
  expectNoErrors(response);
  return response.body.data!.checkout;
}

/** An order of `quantity` of a product, placed through the API; returns its global ID. */
export async function placeOrder(gateway: Api, customer: Customer, slug = 'product-05', quantity = 1): Promise<string> {
  await addToCart(gateway, customer, slug, quantity);
  return expectAccepted(await checkout(gateway, customer)).order!.id;
}

async function mutate(gateway: Api, document: string, input: Record<string, unknown>, headers: Record<string, string>, field: string): Promise<void> {
  const response = await gateway.graphql<Record<string, Payload>>(document, { input }, headers);
  expectNoErrors(response);
  expect(response.body.data?.[field]?.userErrors).toEqual([]);
}

async function orderStatus(db: Db, orderId: string): Promise<string> {
  return (await db.order.findUniqueOrThrow({ where: { id: dbId(orderId) } })).status;
}

/** Pays with the sandbox's card `method`; for a card that succeeds, waits until the provider's webhook made the order PAID. */
export async function pay(gateway: Api, customer: Customer, orderId: string, method = 'pm_card_visa'): Promise<void> {
  const response = await gateway.graphql<{ confirmPayment: Payload }>(CONFIRM, { input: { orderId, paymentMethod: method } }, customer.headers);
  expectNoErrors(response);
  if (method === 'pm_card_declined') {
    expect(response.body.data?.confirmPayment.userErrors.map((error) => error.code)).toEqual(['PAYMENT_DECLINED']);
    await eventually('the declined payment to be recorded', async () => (await gateway.prisma.payment.findUniqueOrThrow({ where: { orderId: dbId(orderId) } })).status === 'FAILED');
    return;
  }
  expect(response.body.data?.confirmPayment.userErrors).toEqual([]);
  await eventually(`order ${orderId} to be PAID`, async () => (await orderStatus(gateway.prisma, orderId)) === 'PAID');
}

export const ship = (gateway: Api, staff: Customer, orderId: string) => mutate(gateway, SHIP, { orderId }, staff.headers, 'markOrderShipped');
export const cancel = (gateway: Api, customer: Customer, orderId: string) => mutate(gateway, CANCEL, { orderId }, customer.headers, 'cancelOrder');

/** Refunds through the provider (staff) and waits until its webhook made the order REFUNDED. */
export async function refund(gateway: Api, staff: Customer, orderId: string): Promise<void> {
  await mutate(gateway, REFUND, { orderId, reason: 'returned' }, staff.headers, 'refundOrder');
  await eventually(`order ${orderId} to be REFUNDED`, async () => (await orderStatus(gateway.prisma, orderId)) === 'REFUNDED');
}

// Webhook endpoints, through the admin API.

export interface EndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
}
export const ENDPOINT_FIELDS = 'id url eventTypes enabled';

type SecretPayload = { endpoint: EndpointView | null; secret: string | null; userErrors: Array<UserError<WebhookErrorCode>> };

export async function createEndpoint(gateway: Api, admin: Customer, input: { url: string; eventTypes: string[] }): Promise<SecretPayload> {
  const response = await gateway.graphql<{ createWebhookEndpoint: SecretPayload }>(
    `mutation Create($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT_FIELDS} } secret userErrors { code message field } } }`,
    { input },
    admin.headers,
  );
  expectNoErrors(response);
  return response.body.data!.createWebhookEndpoint;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  replay: number;
  status: string;
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}
const DELIVERY_FIELDS = 'id eventId eventType replay status attempts responseStatus latencyMs lastError deliveredAt';

/** An endpoint's delivery log, newest first, as an admin reads it. */
export async function deliveries(gateway: Api, admin: Customer, endpointId: string): Promise<DeliveryView[]> {
  const response = await gateway.graphql<{ node: { deliveries: { nodes: DeliveryView[]; totalCount: number } } }>(
    `query Log($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 100) { nodes { ${DELIVERY_FIELDS} } totalCount } } } }`,
    { id: endpointId },
    admin.headers,
  );
  expectNoErrors(response);
  const log = response.body.data!.node.deliveries;
  expect(log.totalCount).toBe(log.nodes.length);
  return log.nodes;
}

/** One request a receiver got: headers, the raw body, and what it answered. */
export interface ReceivedRequest {
  headers: Record<string, string>;
  body: string;
  answered: number;
}

/**
 * A merchant's endpoint on this machine: answers each request with the next
 * status of `answers` (then 204; 0: never answers), and keeps what it received.
 */
export class Receiver {
  readonly received: ReceivedRequest[] = [];
  private server: http.Server | null = null;
  answers: number[] = [];
  /** Extra response headers (a redirect's Location). */
  responseHeaders: Record<string, string> = {};

  /** Listens on `port` (0: any free port); returns the URL to register. */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answered = this.answers.shift() ?? 204;
        this.received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), answered });
        if (answered !== 0) res.writeHead(answered, this.responseHeaders).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/storefront`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The requests accepted (2xx), verified with `secret`: each one's parsed body. Fails on any that does not verify. */
  verified(secret: string): Array<{ id: string; type: string; aggregate: { type: string; id: string }; data: Record<string, unknown> }> {
    const webhook = new Webhook(secret);
    return this.received
      .filter((request) => request.answered >= 200 && request.answered < 300)
      .map((request) => webhook.verify(request.body, request.headers) as ReturnType<Receiver['verified']>[number]);
  }
}

/** A local port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
