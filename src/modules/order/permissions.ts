import { allow } from 'graphql-shield';
import type { Context } from '../../context';
import type { Order, OrderItem, Payment } from '../../generated/prisma/client';
import type { RuleMap } from '../../graphql/permissions/engine';
import { isAuthenticated, isStaff, visibleWhen } from '../../graphql/permissions/rules';
import { selfOrStaff } from '../account/permissions';
import { canReadOrder, canReadPayment } from './policy';

/** The order `orderId` names, through the request's loader (a page of items or payments costs one batched query). */
async function orderOf(orderId: number, ctx: Context): Promise<Order | null> {
  return ctx.loaders.order.orderById.load(orderId);
}

const canReadThisOrder = visibleWhen<Order>('canReadOrder', (order, ctx) => canReadOrder(ctx.viewer, order));
const canReadThisOrderItem = visibleWhen<OrderItem>('canReadOrderItem', async (item, ctx) => {
  const order = await orderOf(item.orderId, ctx);
  return order !== null && canReadOrder(ctx.viewer, order);
});
const canReadThisPayment = visibleWhen<Payment>('canReadPayment', async (payment, ctx) => {
  const order = await orderOf(payment.orderId, ctx);
  return order !== null && canReadPayment(ctx.viewer, order);
});

const orderFields = ['id', 'number', 'status', 'customer', 'items', 'total', 'payment', 'createdAt'];
const itemFields = ['id', 'product', 'productName', 'unitPrice', 'quantity', 'lineTotal'];
const paymentFields = ['id', 'status', 'amount', 'failureReason', 'createdAt'];

export const orderPermissions: RuleMap = {
  // `order(id)` answers NOT_FOUND for an order the viewer may not see (the policy decides in the resolver).
  Query: { order: isAuthenticated, orders: isStaff },
  User: { orders: selfOrStaff },
  Order: Object.fromEntries(orderFields.map((field) => [field, canReadThisOrder])),
  OrderItem: Object.fromEntries(itemFields.map((field) => [field, canReadThisOrderItem])),
  Payment: { ...Object.fromEntries(paymentFields.map((field) => [field, canReadThisPayment])), providerReference: isStaff },
  OrderConnection: { edges: allow, nodes: allow, pageInfo: allow, totalCount: allow },
  OrderEdge: { cursor: allow, node: allow },
  CheckoutPayload: { order: allow, userErrors: allow },
  OrderPayload: { order: allow, userErrors: allow },
  OrderUserError: { field: allow, message: allow, code: allow },
  Mutation: { checkout: isAuthenticated, cancelOrder: isAuthenticated, markOrderShipped: isStaff },
  // Who may watch which order is decided in the resolver (NOT_FOUND for an order the viewer may not see);
  // the rule also runs again on every event, with that event's context.
  Subscription: { orderStatusChanged: isAuthenticated },
  // Plain values of an event the resolver already checked; the order's own fields keep their rules.
  OrderStatusUpdate: { order: allow, status: allow, changedAt: allow },
};
