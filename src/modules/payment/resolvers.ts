import type { Resolvers } from '../../generated/graphql';
import { fromGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import { confirmPayment, refundOrder } from './service';

export const paymentResolvers: Resolvers = {
  Payment: {
    clientSecret: (payment) => payment.clientSecret,
  },
  Order: {
    paymentEvents: (order, _, ctx) => ctx.loaders.payment.eventsByOrder.load(order.id),
  },
  PaymentEvent: {
    outcome: (event) => event.outcome as never,
  },
  Mutation: {
    confirmPayment: async (_, { input }, ctx) => {
      const orderId = fromGlobalId(input.orderId, 'Order', 'input.orderId');
      return payload('order', await confirmPayment(ctx, { orderId, paymentMethod: input.paymentMethod }));
    },
    refundOrder: async (_, { input }, ctx) => {
      const orderId = fromGlobalId(input.orderId, 'Order', 'input.orderId');
      return payload('order', await refundOrder(ctx, { orderId, reason: input.reason }));
    },
  },
};
