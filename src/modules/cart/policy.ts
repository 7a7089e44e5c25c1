import { hasRole, type Viewer } from '../../core/viewer';

/** Who may see a cart (and its lines): its owner and staff. The shield rules and the services both ask here. */
export function canReadCart(viewer: Viewer | null, cart: { userId: number }): boolean {
  return viewer !== null && (viewer.id === cart.userId || hasRole(viewer, 'STAFF'));
}
