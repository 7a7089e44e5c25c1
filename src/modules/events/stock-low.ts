import type { Product } from '../../generated/prisma/client';
import { stockLow, type NewEvent } from './catalogue';

export const DEFAULT_STOCK_LOW_THRESHOLD = 5;

// One process, one configuration: the gateway sets it from STOCK_LOW_THRESHOLD at start-up;
// a script that never does gets the documented default.
let threshold = DEFAULT_STOCK_LOW_THRESHOLD;

export function setStockLowThreshold(value: number): void {
  threshold = value;
}

/** `product.stock_low` for each product whose stock a change took below the threshold (`before` is its stock before). */
export function stockLowEvents(changes: ReadonlyArray<{ product: Pick<Product, 'id' | 'slug' | 'name' | 'stockQuantity'>; before: number }>): NewEvent[] {
  return changes.map(({ product, before }) => stockLow(product, before, threshold)).filter((event): event is NewEvent => event !== null);
}
