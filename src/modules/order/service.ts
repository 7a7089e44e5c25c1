import type { Context } from '../../context';
import type { Order, OrderStatus, User } from '../../generated/prisma/client';
import { buildConnection, newestFirstCursor, parseNewestFirstPage, type ConnectionModel, type PageArgs } from '../../graphql/connection';
import { fromGlobalId } from '../../graphql/global-id';
import { fail, ok, type ServiceResult } from '../../graphql/result';
import { required } from '../../graphql/required';
import { hasRole } from '../../graphql/rules';
import { releasesStock, statesAllowing } from './state-machine';

/** A user's orders, newest first, batched across users by the loader. */
export async function userOrders(ctx: Context, user: User, args: PageArgs): Promise<ConnectionModel<Order>> {
  const page = parseNewestFirstPage(args);
  const rows = page.size === 0
    ? []
    : await ctx.loaders.order.orderPageByUser.load({ parentId: user.id, take: page.size + 1, cursor: page.cursor });
  for (const row of rows) ctx.loaders.order.orderById.prime(row.id, row);
  return buildConnection(rows, page, newestFirstCursor, () => ctx.loaders.order.orderCountByUser.load(user.id));
}

/** All orders, newest first, optionally in one status (staff). */
export async function listOrders(ctx: Context, args: PageArgs & { status?: OrderStatus | null }): Promise<ConnectionModel<Order>> {
  const page = parseNewestFirstPage(args);
  const where = args.status ? { status: args.status } : {};
  const after = page.after && page.cursor
    ? { OR: [{ createdAt: { lt: page.after } }, { createdAt: page.after, id: { lt: page.cursor[1] } }] }
    : {};
  const rows = page.size === 0 ? [] : await ctx.db.order.findMany({
    where: { AND: [where, after] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.size + 1,
  });
  for (const row of rows) ctx.loaders.order.orderById.prime(row.id, row);
  return buildConnection(rows, page, newestFirstCursor, () => ctx.db.order.count({ where }));
}

/** An order by global ID (visibility is the shield rule's business); `argument` names it in errors. */
export function findOrder(ctx: Context, globalId: string, argument = 'id'): Promise<Order | null> {
  return ctx.loaders.order.orderById.load(fromGlobalId(globalId, 'Order', argument));
}

const ORDER_NOT_FOUND = 'No order of yours has this ID.';

/**
 * Moves an order to `to` if the state machine allows it from its current
 * state. The move is one conditional UPDATE, so of two concurrent moves only
 * one wins; releasing stock happens in the same transaction, hence exactly once.
 */
async function transition(ctx: Context, order: Order, to: OrderStatus): Promise<ServiceResult<Order>> {
  const from = statesAllowing(to);
  const moved = await ctx.db.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({ where: { id: order.id, status: { in: from } }, data: { status: to } });
    if (count === 0) return null;
    if (releasesStock(to)) {
      for (const item of await tx.orderItem.findMany({ where: { orderId: order.id }, orderBy: { productId: 'asc' } })) {
        await tx.$executeRaw`UPDATE "Product" SET "stockQuantity" = "stockQuantity" + ${item.quantity}, "updatedAt" = now() WHERE "id" = ${item.productId}`;
      }
    }
    return tx.order.findUniqueOrThrow({ where: { id: order.id } });
  });
  if (!moved) {
    const current = await ctx.db.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } });
    return fail('ILLEGAL_TRANSITION', `An order that is ${current.status} cannot become ${to}.`, ['input', 'orderId']);
  }
  ctx.loaders.order.orderById.clear(order.id).prime(order.id, moved);
  return ok(moved);
}

/** Cancels an order: its customer may, while it is pending payment or paid; staff may cancel any. */
export async function cancelOrder(ctx: Context, input: { orderId: string }): Promise<ServiceResult<Order>> {
  const order = await findOrder(ctx, input.orderId, 'input.orderId');
  const viewer = required(ctx.viewer, 'Viewer', 0);
  // Another customer's order is reported exactly like a missing one.
  if (!order || (order.userId !== viewer.id && !hasRole(viewer, 'STAFF'))) {
    return fail('ORDER_NOT_FOUND', ORDER_NOT_FOUND, ['input', 'orderId']);
  }
  return transition(ctx, order, 'CANCELLED');
}

/** Marks a paid order as shipped (staff). */
export async function markOrderShipped(ctx: Context, input: { orderId: string }): Promise<ServiceResult<Order>> {
  const order = await findOrder(ctx, input.orderId, 'input.orderId');
  if (!order) return fail('ORDER_NOT_FOUND', 'No order has this ID.', ['input', 'orderId']);
  return transition(ctx, order, 'SHIPPED');
}
