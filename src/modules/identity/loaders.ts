import DataLoader from 'dataloader';
import { groupBy, namedBatch } from '../../db/batch';
import type { Db } from '../../db/prisma';
import type { ExternalIdentity } from '../../generated/prisma/client';

export function createIdentityLoaders(db: Db) {
  return {
    /** A user's linked identities, oldest first. */
    identitiesByUser: new DataLoader<number, ExternalIdentity[]>(namedBatch('identitiesByUser', async (userIds: readonly number[]) => {
      const identities = await db.externalIdentity.findMany({ where: { userId: { in: [...userIds] } }, orderBy: { id: 'asc' } });
      return groupBy(userIds, identities, (identity) => identity.userId);
    })),
  };
}
