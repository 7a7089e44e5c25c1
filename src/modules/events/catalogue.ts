import { encodeGlobalId } from '../../core/global-id';
import { formatAmount } from '../../core/money';
import type { Order, OrderItem, OrderStatus, Payment, Prisma, Product } from '../../generated/prisma/client';

/**
 * The event catalogue (docs/events.md): every type the gateway publishes and
 * the payload each carries. Payloads are versioned (`version: 1`); a change a
 * consumer could trip over gets a new version, never a silent reshape. IDs
 * are the global IDs clients of the API use.
 */
export const EVENT_TYPES = [
  'order.placed',
  'order.paid',
  'order.payment_failed',
  'order.cancelled',
  'order.expired',
  'order.refunded',
  'order.shipped',
  'product.stock_low',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type OrderEventType = Extract<EventType, `order.${string}`>;

export const PAYLOAD_VERSION = 1;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** An event about to be written to the outbox. */
export interface NewEvent {
  type: EventType;
  aggregateType: 'Order' | 'Product';
  /** The aggregate's global ID: events of one aggregate are delivered in the order they were recorded. */
  aggregateId: string;
  payload: Prisma.InputJsonObject;
}

/** What a consumer receives: the AMQP message body and the webhook request body. */
export interface EventMessage {
  /** The event id (a UUID): AMQP `messageId`, `webhook-id`; the key for idempotent consumers. */
  id: string;
  type: string;
  /** When the change was made (its transaction's start; ISO-8601, UTC). */
  occurredAt: string;
  aggregate: { type: string; id: string };
  /** The versioned payload. */
  data: Record<string, unknown>;
}

/** The message of an outbox row. */
export function eventMessage(row: { id: string; type: string; aggregateType: string; aggregateId: string; payload: unknown; createdAt: Date }): EventMessage {
  return {
    id: row.id,
    type: row.type,
    occurredAt: row.createdAt.toISOString(),
    aggregate: { type: row.aggregateType, id: row.aggregateId },
    data: row.payload as Record<string, unknown>,
  };
}

const amount = (cents: number, currency: string) => ({ amount: formatAmount(cents), currencyCode: currency });

function orderSnapshot(order: Pick<Order, 'id' | 'number' | 'status' | 'userId' | 'totalCents' | 'currency'>) {
  return {
    id: encodeGlobalId('Order', order.id),
    number: order.number,
    status: order.status,
    customerId: encodeGlobalId('User', order.userId),
    total: amount(order.totalCents, order.currency),
  };
}

type OrderRow = Parameters<typeof orderSnapshot>[0];

function orderEvent(type: OrderEventType, order: OrderRow, extra: Prisma.InputJsonObject = {}): NewEvent {
  return {
    type,
    aggregateType: 'Order',
    aggregateId: encodeGlobalId('Order', order.id),
    payload: { version: PAYLOAD_VERSION, order: orderSnapshot(order), ...extra },
  };
}

/** `order.placed`, with the lines as bought (what a warehouse needs to pick them). */
export function orderPlaced(order: OrderRow, items: Array<Pick<OrderItem, 'productId' | 'productName' | 'quantity' | 'unitPriceCents'>>): NewEvent {
  return orderEvent('order.placed', order, {
    items: items.map((item) => ({
      productId: encodeGlobalId('Product', item.productId),
      productName: item.productName,
      quantity: item.quantity,
      unitPrice: amount(item.unitPriceCents, order.currency),
    })),
  });
}

const PAYMENT_EVENTS: Partial<Record<Payment['status'], OrderEventType>> = {
  SUCCEEDED: 'order.paid',
  FAILED: 'order.payment_failed',
  REFUNDED: 'order.refunded',
};

/**
 * `order.paid`, `order.payment_failed` or `order.refunded`, after the
 * provider's word moved the payment (its new status picks the type): the
 * order and the payment as they are now. Null for a status no event reports.
 */
export function paymentSettled(order: OrderRow, payment: Pick<Payment, 'id' | 'status' | 'amountCents' | 'currency' | 'failureReason'>): NewEvent | null {
  const type = PAYMENT_EVENTS[payment.status];
  if (!type) return null;
  return orderEvent(type, order, {
    payment: {
      id: encodeGlobalId('Payment', payment.id),
      status: payment.status,
      amount: amount(payment.amountCents, payment.currency),
      failureReason: payment.failureReason,
    },
  });
}

const STATUS_EVENTS: Partial<Record<OrderStatus, OrderEventType>> = { CANCELLED: 'order.cancelled', SHIPPED: 'order.shipped' };

/** The event of an order's move to `status` by staff or its customer, or null when no event reports that move. */
export function orderMoved(order: OrderRow): NewEvent | null {
  const type = STATUS_EVENTS[order.status];
  return type ? orderEvent(type, order) : null;
}

/** `order.expired`: cancelled by the gateway because it stayed unpaid too long (its stock is back). */
export function orderExpired(order: OrderRow): NewEvent {
  return orderEvent('order.expired', order);
}

/**
 * `product.stock_low` when a change took the product's stock from at least
 * `threshold` to below it; null otherwise (so a product sitting low is
 * reported once per fall, not on every sale).
 */
export function stockLow(product: Pick<Product, 'id' | 'slug' | 'name' | 'stockQuantity'>, before: number, threshold: number): NewEvent | null {
  if (!(before >= threshold && product.stockQuantity < threshold)) return null;
  return {
    type: 'product.stock_low',
    aggregateType: 'Product',
    aggregateId: encodeGlobalId('Product', product.id),
    payload: {
      version: PAYLOAD_VERSION,
      product: { id: encodeGlobalId('Product', product.id), slug: product.slug, name: product.name, stockQuantity: product.stockQuantity },
      threshold,
    },
  };
}
