import { decodeGlobalId } from '../../core/global-id';
import type { Db } from '../../db/prisma';
import type { OrderStatus, PaymentStatus, Prisma } from '../../generated/prisma/client';
import { paymentSettled } from '../events/catalogue';
import { outboxCommitted, recordEvent } from '../events/outbox';
import { statesAllowing } from '../order/state-machine';
import type { PaymentEventOutcome } from './errors';

/** A payment-provider event, as its webhook delivers it (validated by `parseProviderEvent`). */
export interface ProviderEvent {
  id: string;
  type: string;
  created: number;
  data: { object: { id: string; amount: number; currency: string; status: string; metadata: Record<string, string> } };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const boundedString = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** The event in `body`, or null when it is not shaped like one (the webhook answers 400). */
export function parseProviderEvent(body: unknown): ProviderEvent | null {
  if (!isRecord(body) || !boundedString(body.id, 255) || !boundedString(body.type, 100) || !Number.isInteger(body.created)) return null;
  const object = isRecord(body.data) ? body.data.object : undefined;
  if (!isRecord(object) || !boundedString(object.id, 255) || !boundedString(object.currency, 10) || typeof object.status !== 'string') return null;
  if (!Number.isSafeInteger(object.amount)) return null;
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  if (!Object.values(metadata).every((value) => typeof value === 'string')) return null;
  return body as unknown as ProviderEvent;
}

/** What handling an event did; `statusChanged` is set when the order moved (to publish after commit). */
export interface EventHandling {
  duplicate: boolean;
  outcome: PaymentEventOutcome | null;
  orderId: number | null;
  statusChanged: OrderStatus | null;
}

type Tx = Prisma.TransactionClient;
type Decision = { outcome: PaymentEventOutcome; orderId: number | null; statusChanged: OrderStatus | null };

/** Moves the payment and, if `orderTo` is given, the order, each with one conditional UPDATE: the database decides what still fits. */
async function apply(
  tx: Tx,
  target: { paymentId: number; orderId: number },
  payment: { from: PaymentStatus[]; to: PaymentStatus; failureReason?: string | null },
  orderTo: OrderStatus | null,
): Promise<Decision> {
  const ignored: Decision = { outcome: 'IGNORED_STATE', orderId: target.orderId, statusChanged: null };
  if (orderTo) {
    const order = await tx.order.updateMany({ where: { id: target.orderId, status: { in: statesAllowing(orderTo) } }, data: { status: orderTo } });
    if (order.count === 0) return ignored;
  } else {
    // The order is locked first on every path (no deadlock with expiry), and its lock orders this event after its earlier ones.
    await tx.$queryRaw`SELECT 1 FROM "Order" WHERE "id" = ${target.orderId} FOR UPDATE`;
  }
  const moved = await tx.payment.updateMany({
    where: { id: target.paymentId, status: { in: payment.from } },
    data: { status: payment.to, failureReason: payment.failureReason ?? null },
  });
  // The order moved but its payment did not fit: undo the whole event (the caller's transaction rolls back).
  if (moved.count === 0) {
    if (orderTo) throw new StateConflict();
    return ignored;
  }
  const [order, settled] = [await tx.order.findUniqueOrThrow({ where: { id: target.orderId } }), await tx.payment.findUniqueOrThrow({ where: { id: target.paymentId } })];
  await recordEvent(tx, paymentSettled(order, settled));
  return { outcome: 'APPLIED', orderId: target.orderId, statusChanged: orderTo };
}

class StateConflict extends Error {}

async function decide(tx: Tx, event: ProviderEvent): Promise<Decision> {
  const object = event.data.object;
  const payment = await tx.payment.findUnique({ where: { providerReference: object.id } });
  if (!payment) return { outcome: 'UNKNOWN_PAYMENT', orderId: null, statusChanged: null };
  const target = { paymentId: payment.id, orderId: payment.orderId };
  const named = object.metadata.orderId === undefined ? null : decodeGlobalId(object.metadata.orderId);
  const matches =
    object.amount === payment.amountCents &&
    object.currency.toLowerCase() === payment.currency.toLowerCase() &&
    (named === null || (named.type === 'Order' && named.id === payment.orderId));
  if (!matches) return { outcome: 'MISMATCH', orderId: payment.orderId, statusChanged: null };

  switch (event.type) {
    case 'payment_intent.succeeded':
      return apply(tx, target, { from: ['PENDING', 'FAILED'], to: 'SUCCEEDED' }, 'PAID');
    case 'payment_intent.payment_failed':
      // The order stays payable: only the payment records the failure; a failure after a success is ignored.
      return apply(tx, target, { from: ['PENDING', 'FAILED'], to: 'FAILED', failureReason: 'The payment was declined.' }, null);
    case 'charge.refunded':
      return apply(tx, target, { from: ['SUCCEEDED'], to: 'REFUNDED' }, 'REFUNDED');
    default:
      return { outcome: 'UNSUPPORTED_TYPE', orderId: payment.orderId, statusChanged: null };
  }
}

/**
 * Processes one provider event exactly once: its id is recorded in the same
 * transaction as its effect, first, so a concurrent duplicate waits on the
 * unique index and then finds it done. Events that no longer fit the order
 * (a late failure after a success), or whose amount, currency or order do
 * not match the payment, are recorded with that outcome and change nothing.
 */
export async function handleProviderEvent(db: Db, event: ProviderEvent): Promise<EventHandling> {
  const object = event.data.object;
  const detail = `${object.status} ${object.amount} ${object.currency}`.slice(0, 200);
  try {
    const handled = await db.$transaction(async (tx): Promise<EventHandling> => {
      const inserted = await tx.$executeRaw`
        INSERT INTO "WebhookEvent" ("id", "type", "detail") VALUES (${event.id}, ${event.type}, ${detail})
        ON CONFLICT ("id") DO NOTHING`;
      if (inserted === 0) return { duplicate: true, outcome: null, orderId: null, statusChanged: null };
      const decision = await decide(tx, event);
      await tx.webhookEvent.update({ where: { id: event.id }, data: { outcome: decision.outcome, orderId: decision.orderId } });
      return { duplicate: false, ...decision };
    });
    if (handled.outcome === 'APPLIED') outboxCommitted();
    return handled;
  } catch (error) {
    // The order moved but its payment could not: record the event as not fitting, in a transaction of its own.
    if (!(error instanceof StateConflict)) throw error;
    await db.webhookEvent.upsert({ where: { id: event.id }, create: { id: event.id, type: event.type, detail, outcome: 'IGNORED_STATE' }, update: {} });
    return { duplicate: false, outcome: 'IGNORED_STATE', orderId: null, statusChanged: null };
  }
}
