import { hasRole, type Viewer } from '../../core/viewer';

/** Who may see a product: everyone while it is published; staff always. Lookups by id and slug ask here. */
export function canReadProduct(viewer: Viewer | null, product: { published: boolean }): boolean {
  return product.published || hasRole(viewer, 'STAFF');
}
