// Orders' read side at the GraphQL edge: decodes IDs, pages and cursors and
// builds connections; visibility is the order policy's.
import type { Context } from '../../context';
import type { Order, OrderStatus, User } from '../../generated/prisma/client';
import { buildConnection, childConnection, newestFirstCursor, parseNewestFirstPage, type ConnectionModel, type PageArgs } from '../../graphql/connection';
import { notFound } from '../../graphql/errors';
import { fromGlobalId } from '../../graphql/global-id';
import { findVisibleOrder } from './service';

/** `User.orders`: a user's orders, newest first, batched across users by the loader. */
export async function userOrders(ctx: Context, user: User, args: PageArgs): Promise<ConnectionModel<Order>> {
  const connection = await childConnection(ctx.loaders.order.orderPageByUser, user.id, args, () => ctx.loaders.order.orderCountByUser.load(user.id));
  for (const node of connection.nodes) ctx.loaders.order.orderById.prime(node.id, node);
  return connection;
}

/** `Query.orders` (staff): all orders, newest first, optionally in one status. */
export async function ordersConnection(ctx: Context, args: PageArgs & { status?: OrderStatus | null }): Promise<ConnectionModel<Order>> {
  const page = parseNewestFirstPage(args);
  const where = args.status ? { status: args.status } : {};
  const after = page.after
    ? { OR: [{ createdAt: { lt: page.after.createdAt } }, { createdAt: page.after.createdAt, id: { lt: page.after.id } }] }
    : {};
  const rows = page.size === 0 ? [] : await ctx.db.order.findMany({
    where: { AND: [where, after] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.size + 1,
  });
  for (const row of rows) ctx.loaders.order.orderById.prime(row.id, row);
  return buildConnection(rows, page, newestFirstCursor, () => ctx.db.order.count({ where }));
}

/**
 * `Query.order(id)`: the order, or NOT_FOUND, whether it does not exist or
 * belongs to another customer (its existence never leaks).
 */
export async function orderById(ctx: Context, globalId: string): Promise<Order> {
  const order = await findVisibleOrder(ctx, fromGlobalId(globalId, 'Order', 'id'));
  if (!order) throw notFound('No order of yours has this ID.');
  return order;
}
