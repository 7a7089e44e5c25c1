import type { OrderStatus } from '../generated/prisma/client';
import type { PubSub } from './pubsub';

/** The topic of an order's status changes. */
export function orderStatusTopic(orderId: number): string {
  return `order-status:${orderId}`;
}

/** What is published when an order's status changed: the order's database id, its new status, and when (ISO 8601). */
export interface OrderStatusEvent {
  orderId: number;
  status: OrderStatus;
  at: string;
}

/**
 * Tells subscribers that an order's status changed. Call it only after the
 * transaction that changed it has committed: a subscriber reloads the order
 * on receipt and must find the new state. Rejects when the message could
 * not be sent (Redis unreachable); the change itself stands, so a caller
 * should log that rather than fail.
 */
export async function publishOrderStatus(pubsub: PubSub, event: OrderStatusEvent): Promise<void> {
  await pubsub.publish(orderStatusTopic(event.orderId), event);
}
