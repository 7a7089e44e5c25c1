import type { OrderStatus } from '../../generated/prisma/client';

/**
 * Every legal move of an order, in one place:
 * PENDING_PAYMENT → PAID → SHIPPED → DELIVERED, cancelling before shipping
 * (which releases the reserved stock), refunding once money was taken.
 */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING_PAYMENT: ['PAID', 'CANCELLED'],
  PAID: ['SHIPPED', 'CANCELLED', 'REFUNDED'],
  SHIPPED: ['DELIVERED', 'REFUNDED'],
  DELIVERED: ['REFUNDED'],
  CANCELLED: [],
  REFUNDED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states an order may move to `to` from (for conditional updates). */
export function statesAllowing(to: OrderStatus): OrderStatus[] {
  return (Object.keys(TRANSITIONS) as OrderStatus[]).filter((from) => canTransition(from, to));
}

/** Moving to these puts the order's reserved stock back. */
export function releasesStock(to: OrderStatus): boolean {
  return to === 'CANCELLED';
}
