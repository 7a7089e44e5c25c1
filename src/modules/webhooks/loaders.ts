import DataLoader from 'dataloader';
import { loaderByKey, namedBatch } from '../../db/batch';
import { childPageLoader, type ChildTable } from '../../db/child-page-loader';
import type { Db } from '../../db/prisma';
import { Prisma, type WebhookDelivery } from '../../generated/prisma/client';

const DELIVERIES_OF_ENDPOINT: ChildTable = { table: Prisma.raw('"WebhookDelivery"'), parentColumn: Prisma.raw('"endpointId"'), where: Prisma.sql`TRUE` };

export function createWebhookLoaders(db: Db) {
  return {
    endpointById: loaderByKey(
      (ids: readonly number[]) => db.webhookEndpoint.findMany({ where: { id: { in: [...ids] } } }),
      (endpoint) => endpoint.id,
      { name: 'endpointById' },
    ),
    deliveryById: loaderByKey(
      (ids: readonly number[]) => db.webhookDelivery.findMany({ where: { id: { in: [...ids] } } }),
      (delivery) => delivery.id,
      { name: 'deliveryById' },
    ),
    /** The type of each event, by id: what a delivery delivers. */
    eventTypeById: new DataLoader<string, string | null>(async (ids) => {
      const events = await db.outboxEvent.findMany({ where: { id: { in: [...ids] } }, select: { id: true, type: true } });
      const byId = new Map(events.map((event) => [event.id, event.type]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** A newest-first page of deliveries per endpoint, one statement for a list of endpoints. */
    deliveryPageByEndpoint: childPageLoader<WebhookDelivery>(db, DELIVERIES_OF_ENDPOINT, (delivery) => delivery.endpointId, { name: 'deliveryPageByEndpoint' }),
    deliveryCountByEndpoint: new DataLoader<number, number>(namedBatch('deliveryCountByEndpoint', async (endpointIds: readonly number[]) => {
      const counts = await db.webhookDelivery.groupBy({ by: ['endpointId'], where: { endpointId: { in: [...endpointIds] } }, _count: { _all: true } });
      const byEndpoint = new Map(counts.map((row) => [row.endpointId, row._count._all]));
      return endpointIds.map((id) => byEndpoint.get(id) ?? 0);
    })),
  };
}
