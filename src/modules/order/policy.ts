import { hasRole, type Viewer } from '../../core/viewer';

/**
 * Who may see an order (its items too): its customer and staff. Anyone else
 * is told it does not exist. The shield rules, the node lookup, `Query.order`
 * and the order services all ask here.
 */
export function canReadOrder(viewer: Viewer | null, order: { userId: number }): boolean {
  return viewer !== null && (viewer.id === order.userId || hasRole(viewer, 'STAFF'));
}

/** Who may see a payment: whoever may see its order (the provider reference is staff-only on top). */
export function canReadPayment(viewer: Viewer | null, order: { userId: number }): boolean {
  return canReadOrder(viewer, order);
}
