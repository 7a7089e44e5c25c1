import { allow } from 'graphql-shield';
import type { Payment } from '../../generated/prisma/client';
import type { RuleMap } from '../../graphql/permissions/engine';
import { isAuthenticated, isStaff, visibleWhen } from '../../graphql/permissions/rules';
import { canReadClientSecret } from './policy';

const canReadThisClientSecret = visibleWhen<Payment>('canReadClientSecret', async (payment, ctx) => {
  const order = await ctx.loaders.order.orderById.load(payment.orderId);
  return order !== null && canReadClientSecret(ctx.viewer, order);
});

export const paymentPermissions: RuleMap = {
  Payment: { clientSecret: canReadThisClientSecret },
  Order: { paymentEvents: isStaff },
  PaymentEvent: { id: allow, type: allow, outcome: allow, detail: allow, receivedAt: allow },
  PaymentPayload: { order: allow, userErrors: allow },
  PaymentUserError: { field: allow, message: allow, code: allow },
  // The owner check is the service's (another customer's order is ORDER_NOT_FOUND); refunds are staff's.
  Mutation: { confirmPayment: isAuthenticated, refundOrder: isStaff },
};
