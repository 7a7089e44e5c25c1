import { allow } from 'graphql-shield';
import type { Context } from '../../context';
import type { Order, OrderItem, Payment } from '../../generated/prisma/client';
import type { RuleMap } from '../../graphql/permissions';
import { parseGlobalId } from '../../graphql/global-id';
import { forbidden, unauthenticated } from '../../graphql/errors';
import { defineRule, hasRole, isAuthenticated, isStaff, ownerOrStaff } from '../../graphql/rules';
import { selfOrStaff } from '../account/permissions';

const ownerOfOrder = async (orderId: number, ctx: Context) => (await ctx.loaders.order.orderById.load(orderId))?.userId ?? null;

const isOrderOwnerOrStaff = ownerOrStaff<Order>('isOrderOwnerOrStaff', (order) => order.userId);
const isOrderItemOwnerOrStaff = ownerOrStaff<OrderItem>('isOrderItemOwnerOrStaff', (item, ctx) => ownerOfOrder(item.orderId, ctx));
const isPaymentOwnerOrStaff = ownerOrStaff<Payment>('isPaymentOwnerOrStaff', (payment, ctx) => ownerOfOrder(payment.orderId, ctx));

/**
 * `Query.order(id)`: the order's customer or staff. A malformed or unknown
 * ID passes, so the resolver answers BAD_USER_INPUT or null as for anyone.
 */
const canReadOrderArgument = defineRule('canReadOrderArgument', 'no_cache', async (_parent, args, ctx) => {
  if (!ctx.viewer) return unauthenticated();
  if (hasRole(ctx.viewer, 'STAFF')) return true;
  const decoded = typeof args.id === 'string' ? parseGlobalId(args.id) : null;
  if (!decoded || decoded.type !== 'Order') return true;
  const owner = await ownerOfOrder(decoded.id, ctx);
  return owner === null || owner === ctx.viewer.id ? true : forbidden();
});

const orderFields = ['id', 'number', 'status', 'customer', 'items', 'total', 'payment', 'createdAt'];
const itemFields = ['id', 'product', 'productName', 'unitPrice', 'quantity', 'lineTotal'];
const paymentFields = ['id', 'status', 'amount', 'failureReason', 'createdAt'];

export const orderPermissions: RuleMap = {
  Query: { order: canReadOrderArgument, orders: isStaff },
  User: { orders: selfOrStaff },
  Order: Object.fromEntries(orderFields.map((field) => [field, isOrderOwnerOrStaff])),
  OrderItem: Object.fromEntries(itemFields.map((field) => [field, isOrderItemOwnerOrStaff])),
  Payment: { ...Object.fromEntries(paymentFields.map((field) => [field, isPaymentOwnerOrStaff])), providerReference: isStaff },
  OrderConnection: { edges: allow, nodes: allow, pageInfo: allow, totalCount: allow },
  OrderEdge: { cursor: allow, node: allow },
  CheckoutPayload: { order: allow, userErrors: allow },
  OrderPayload: { order: allow, userErrors: allow },
  Mutation: { checkout: isAuthenticated, cancelOrder: isAuthenticated, markOrderShipped: isStaff },
};
