import type { Viewer } from '../../core/viewer';

/** Who may pay for an order: its customer alone (staff may see it, but do not pay for customers). */
export function canPayOrder(viewer: Viewer | null, order: { userId: number }): boolean {
  return viewer !== null && viewer.id === order.userId;
}

/** Who may read a payment's client secret: whoever may pay for its order. */
export const canReadClientSecret = canPayOrder;
