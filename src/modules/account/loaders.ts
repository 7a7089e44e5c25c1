import type { Db } from '../../db/prisma';
import { loaderByKey } from '../../db/batch';

export function createAccountLoaders(db: Db) {
  return {
    userById: loaderByKey(
      (ids: readonly number[]) => db.user.findMany({ where: { id: { in: [...ids] } } }),
      (user) => user.id,
      { name: 'userById' },
    ),
  };
}
