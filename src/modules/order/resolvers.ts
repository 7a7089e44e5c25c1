import type { Order } from '../../generated/prisma/client';
import type { Resolvers } from '../../generated/graphql';
import { connectionResolvers } from '../../graphql/connection';
import { toGlobalId } from '../../graphql/global-id';
import { money } from '../../graphql/money';
import { required } from '../../graphql/required';
import type { ServiceResult } from '../../graphql/result';
import { checkout } from './checkout';
import * as orders from './service';

function orderPayload(result: ServiceResult<Order>) {
  return result.ok ? { order: result.value, userErrors: [] } : { order: null, userErrors: result.userErrors };
}

export const orderResolvers: Resolvers = {
  Query: {
    order: (_, { id }, ctx) => orders.findOrder(ctx, id),
    orders: (_, args, ctx) => orders.listOrders(ctx, args),
  },
  User: {
    orders: (user, args, ctx) => orders.userOrders(ctx, user, args),
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
    checkout: async (_, { input }, ctx) => orderPayload(await checkout(ctx, input)),
    cancelOrder: async (_, { input }, ctx) => orderPayload(await orders.cancelOrder(ctx, input)),
    markOrderShipped: async (_, { input }, ctx) => orderPayload(await orders.markOrderShipped(ctx, input)),
  },
};
