import type { Context } from '../../context';
import { money } from '../../core/money';
import type { OrderStatusUpdate, Resolvers, SubscriptionOrderStatusChangedArgs } from '../../generated/graphql';
import type { Order } from '../../generated/prisma/client';
import { connectionResolvers } from '../../graphql/connection';
import { notFound, unauthenticated } from '../../graphql/errors';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import { orderStatusTopic, publishOrderStatus, type OrderStatusEvent } from '../../realtime/topics';
import { checkout } from './checkout';
import { orderById, ordersConnection, userOrders } from './queries';
import type { OrderResult } from './errors';
import * as orders from './service';
import { loadReferenced } from '../../db/batch';

/** After a committed move, subscribers of the order hear of it; a lost message is logged, the move stands. */
function announced(ctx: Context, result: OrderResult<Order>): OrderResult<Order> {
  if (result.ok) {
    const { id, status } = result.value;
    publishOrderStatus(ctx.pubsub, { orderId: id, status, at: new Date().toISOString() }).catch((error: unknown) =>
      ctx.log.error({ err: error, orderId: id }, 'publishing an order status change failed'),
    );
  }
  return result;
}

/** Stock the catalog shows moved (an order placed or cancelled): cached catalog pages are dropped before the client hears of it. */
async function stockMoved<T extends { ok: boolean }>(ctx: Context, result: T): Promise<T> {
  if (result.ok) await ctx.catalogChanged();
  return result;
}

const NO_SUCH_ORDER = 'No order of yours has this ID.';

/**
 * `Subscription.orderStatusChanged`, once per subscription: refuses before
 * listening, so another customer's order (or a missing one) is NOT_FOUND and
 * nothing about it is ever sent.
 */
async function subscribeToOrderStatus(ctx: Context, args: SubscriptionOrderStatusChangedArgs): Promise<AsyncIterable<OrderStatusEvent>> {
  // The shield rule of this field guards only `resolve` (graphql-middleware wraps `resolve`
  // when a field has both), so the subscribe step checks the viewer itself.
  if (!ctx.viewer) throw unauthenticated();
  const orderId = fromGlobalId(args.orderId, 'Order', 'orderId');
  if (!(await orders.findVisibleOrder(ctx, orderId))) throw notFound(NO_SUCH_ORDER);
  return ctx.pubsub.subscribe<OrderStatusEvent>(orderStatusTopic(orderId));
}

/**
 * Each event, with that event's own context (fresh loaders, the viewer read
 * again): the order is reloaded as it is now, and visibility is asked again,
 * so a viewer who lost access (a demoted staff member) gets NOT_FOUND instead.
 */
async function orderStatusUpdate(event: OrderStatusEvent, ctx: Context): Promise<Omit<OrderStatusUpdate, 'order'> & { order: Order }> {
  const order = await orders.findVisibleOrder(ctx, event.orderId);
  if (!order) throw notFound(NO_SUCH_ORDER);
  return { order, status: event.status, changedAt: new Date(event.at) };
}

export const orderResolvers: Resolvers = {
  Query: {
    order: (_, { id }, ctx) => orderById(ctx, id),
    orders: (_, args, ctx) => ordersConnection(ctx, args),
  },
  User: {
    orders: (user, args, ctx) => userOrders(ctx, user, args),
  },
  Order: {
    id: (order) => toGlobalId('Order', order.id),
    customer: (order, _, ctx) => loadReferenced(ctx.loaders.account.userById, order.userId, 'User'),
    items: (order, _, ctx) => ctx.loaders.order.itemsByOrder.load(order.id),
    total: (order) => money(order.totalCents, order.currency),
    payment: (order, _, ctx) => ctx.loaders.order.paymentByOrder.load(order.id),
  },
  OrderItem: {
    id: (item) => toGlobalId('OrderItem', item.id),
    product: (item, _, ctx) => loadReferenced(ctx.loaders.catalog.productById, item.productId, 'Product'),
    unitPrice: async (item, _, ctx) => money(item.unitPriceCents, (await ctx.loaders.order.orderById.load(item.orderId))?.currency ?? 'USD'),
    lineTotal: async (item, _, ctx) =>
      money(item.unitPriceCents * item.quantity, (await ctx.loaders.order.orderById.load(item.orderId))?.currency ?? 'USD'),
  },
  Payment: {
    id: (payment) => toGlobalId('Payment', payment.id),
    amount: (payment) => money(payment.amountCents, payment.currency),
  },
  OrderConnection: connectionResolvers,
  Subscription: {
    orderStatusChanged: {
      subscribe: (_parent: unknown, args: SubscriptionOrderStatusChangedArgs, ctx: Context) => subscribeToOrderStatus(ctx, args),
      resolve: (event: OrderStatusEvent, _args: unknown, ctx: Context) => orderStatusUpdate(event, ctx),
    },
  },
  Mutation: {
    checkout: async (_, { input }, ctx) => payload('order', await stockMoved(ctx, await checkout(ctx, input))),
    cancelOrder: async (_, { input }, ctx) => {
      const orderId = fromGlobalId(input.orderId, 'Order', 'input.orderId');
      return payload('order', announced(ctx, await stockMoved(ctx, await orders.cancelOrder(ctx, { orderId }))));
    },
    markOrderShipped: async (_, { input }, ctx) => {
      const orderId = fromGlobalId(input.orderId, 'Order', 'input.orderId');
      return payload('order', announced(ctx, await orders.markOrderShipped(ctx, { orderId })));
    },
  },
};
