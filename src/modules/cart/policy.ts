import { hasRole, type Viewer } from '../../core/viewer';

/** Who may see a cart (and its lines): its owner and staff. The shield rules and the node lookup ask here; the cart services only ever touch the viewer's own cart. */
export function canReadCart(viewer: Viewer | null, cart: { userId: number }): boolean {
  return viewer !== null && (viewer.id === cart.userId || hasRole(viewer, 'STAFF'));
}
