import { money } from '../../core/money';
import { required } from '../../core/required';
import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import { checkout } from './checkout';
import { orderById, ordersConnection, userOrders } from './queries';
import * as orders from './service';

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
    customer: async (order, _, ctx) => required(await ctx.loaders.account.userById.load(order.userId), 'User', order.userId),
    items: (order, _, ctx) => ctx.loaders.order.itemsByOrder.load(order.id),
    total: (order) => money(order.totalCents, order.currency),
    payment: (order, _, ctx) => ctx.loaders.order.paymentByOrder.load(order.id),
  },
  OrderItem: {
    id: (item) => toGlobalId('OrderItem', item.id),
    product: async (item, _, ctx) => required(await ctx.loaders.catalog.productById.load(item.productId), 'Product', item.productId),
    unitPrice: async (item, _, ctx) => money(item.unitPriceCents, (await ctx.loaders.order.orderById.load(item.orderId))?.currency ?? 'USD'),
    lineTotal: async (item, _, ctx) =>
      money(item.unitPriceCents * item.quantity, (await ctx.loaders.order.orderById.load(item.orderId))?.currency ?? 'USD'),
  },
  Payment: {
    id: (payment) => toGlobalId('Payment', payment.id),
    amount: (payment) => money(payment.amountCents, payment.currency),
  },
  OrderConnection: connectionResolvers,
  Mutation: {
    checkout: async (_, { input }, ctx) => payload('order', await checkout(ctx, input)),
    cancelOrder: async (_, { input }, ctx) => {
      const orderId = fromGlobalId(input.orderId, 'Order', 'input.orderId');
      return payload('order', await orders.cancelOrder(ctx, { orderId }));
    },
    markOrderShipped: async (_, { input }, ctx) => {
      const orderId = fromGlobalId(input.orderId, 'Order', 'input.orderId');
      return payload('order', await orders.markOrderShipped(ctx, { orderId }));
    },
  },
};
