import DataLoader from 'dataloader';
import type { Db } from '../../db/prisma';
import type { CartItem } from '../../generated/prisma/client';
import { groupBy, loaderByKey, namedBatch } from '../../db/batch';

export function createCartLoaders(db: Db) {
  return {
    cartById: loaderByKey(
      (ids: readonly number[]) => db.cart.findMany({ where: { id: { in: [...ids] } } }),
      (cart) => cart.id,
      { name: 'cartById' },
    ),
    cartByUser: loaderByKey(
      (userIds: readonly number[]) => db.cart.findMany({ where: { userId: { in: [...userIds] } } }),
      (cart) => cart.userId,
      { name: 'cartByUser' },
    ),
    cartItemById: loaderByKey(
      (ids: readonly number[]) => db.cartItem.findMany({ where: { id: { in: [...ids] } } }),
      (item) => item.id,
      { name: 'cartItemById' },
    ),
    itemsByCart: new DataLoader<number, CartItem[]>(namedBatch('itemsByCart', async (cartIds: readonly number[]) => {
      const items = await db.cartItem.findMany({ where: { cartId: { in: [...cartIds] } }, orderBy: { id: 'asc' } });
      return groupBy(cartIds, items, (item) => item.cartId);
    })),
  };
}
