import type { Db } from './db/prisma';
import { createAccountLoaders } from './modules/account/loaders';
import { createCartLoaders } from './modules/cart/loaders';
import { createCatalogLoaders } from './modules/catalog/loaders';
import { createOrderLoaders } from './modules/order/loaders';

/** One set of loaders per request, so nothing cached outlives the request that read it. */
export function createLoaders(db: Db) {
  return {
    account: createAccountLoaders(db),
    catalog: createCatalogLoaders(db),
    cart: createCartLoaders(db),
    order: createOrderLoaders(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
