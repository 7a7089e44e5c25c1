import type { ServiceContext } from '../../context';
import { fail, ok } from '../../core/result';
import type { Order, OrderStatus } from '../../generated/prisma/client';
import { orderMoved } from '../events/catalogue';
import { outboxCommitted, recordEvent } from '../events/outbox';
import type { OrderResult } from './errors';
import { canReadOrder } from './policy';
import { releasesStock, statesAllowing } from './state-machine';

/** An order the viewer may see, or null: another customer's order reads exactly like a missing one. */
export async function findVisibleOrder(ctx: ServiceContext, orderId: number): Promise<Order | null> {
  const order = await ctx.loaders.order.orderById.load(orderId);
  return order && canReadOrder(ctx.viewer, order) ? order : null;
}

const ORDER_NOT_FOUND = 'No order of yours has this ID.';

/**
 * Moves an order to `to` if the state machine allows it from its current
 * state. The move is one conditional UPDATE, so of two concurrent moves only
 * one wins; releasing stock happens in the same transaction, hence exactly once.
 */
async function transition(ctx: ServiceContext, order: Order, to: OrderStatus): Promise<OrderResult<Order>> {
  const from = statesAllowing(to);
  const moved = await ctx.db.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({ where: { id: order.id, status: { in: from } }, data: { status: to } });
    if (count === 0) return null;
    if (releasesStock(to)) {
      for (const item of await tx.orderItem.findMany({ where: { orderId: order.id }, orderBy: { productId: 'asc' } })) {
        await tx.$executeRaw`UPDATE "Product" SET "stockQuantity" = "stockQuantity" + ${item.quantity}, "updatedAt" = now() WHERE "id" = ${item.productId}`;
      }
    }
    const updated = await tx.order.findUniqueOrThrow({ where: { id: order.id } });
    await recordEvent(tx, orderMoved(updated));
    return updated;
  });
  if (!moved) {
    const current = await ctx.db.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } });
    return fail('ILLEGAL_TRANSITION', `An order that is ${current.status} cannot become ${to}.`, ['input', 'orderId']);
  }
  outboxCommitted();
  ctx.loaders.order.orderById.clear(order.id).prime(order.id, moved);
  return ok(moved);
}

/**
 * Cancels an order and releases its stock: its customer may while it is
 * pending payment or paid; staff may cancel any. An order the viewer may not
 * see is ORDER_NOT_FOUND, exactly like a missing one.
 */
export async function cancelOrder(ctx: ServiceContext, input: { orderId: number }): Promise<OrderResult<Order>> {
  const order = await findVisibleOrder(ctx, input.orderId);
  if (!order) return fail('ORDER_NOT_FOUND', ORDER_NOT_FOUND, ['input', 'orderId']);
  return transition(ctx, order, 'CANCELLED');
}

/** Marks a paid order as shipped (the caller makes sure the viewer is staff). */
export async function markOrderShipped(ctx: ServiceContext, input: { orderId: number }): Promise<OrderResult<Order>> {
  const order = await ctx.loaders.order.orderById.load(input.orderId);
  if (!order) return fail('ORDER_NOT_FOUND', 'No order has this ID.', ['input', 'orderId']);
  return transition(ctx, order, 'SHIPPED');
}
