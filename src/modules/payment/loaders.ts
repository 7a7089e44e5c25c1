import DataLoader from 'dataloader';
import { groupBy, namedBatch } from '../../db/batch';
import type { Db } from '../../db/prisma';
import type { WebhookEvent } from '../../generated/prisma/client';

export function createPaymentLoaders(db: Db) {
  return {
    /** The provider events recorded for each order, oldest first. */
    eventsByOrder: new DataLoader<number, WebhookEvent[]>(namedBatch('eventsByOrder', async (orderIds: readonly number[]) => {
      const events = await db.webhookEvent.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] });
      return groupBy(orderIds, events, (event) => event.orderId ?? 0);
    })),
  };
}
