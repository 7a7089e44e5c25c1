import type { GatewayModule, NodeTypes } from '../../graphql/module';
import { createOrderLoaders } from './loaders';
import { orderPermissions } from './permissions';
import { canReadOrder, canReadPayment } from './policy';
import { orderResolvers } from './resolvers';
import { findVisibleOrder } from './service';

// Another customer's order, item or payment reads exactly like a missing one.
const nodeTypes: NodeTypes = {
  Order: (ctx, id) => findVisibleOrder(ctx, id),
  OrderItem: async (ctx, id) => {
    const item = await ctx.loaders.order.orderItemById.load(id);
    const order = item ? await ctx.loaders.order.orderById.load(item.orderId) : null;
    return item && order && canReadOrder(ctx.viewer, order) ? item : null;
  },
  Payment: async (ctx, id) => {
    const payment = await ctx.loaders.order.paymentById.load(id);
    const order = payment ? await ctx.loaders.order.orderById.load(payment.orderId) : null;
    return payment && order && canReadPayment(ctx.viewer, order) ? payment : null;
  },
};

/** Checkout, orders and their state machine, payments as recorded. */
export const orderModule = {
  name: 'order',
  resolvers: orderResolvers,
  permissions: orderPermissions,
  createLoaders: createOrderLoaders,
  nodeTypes,
} satisfies GatewayModule;
