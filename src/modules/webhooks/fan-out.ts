import type { Db } from '../../db/prisma';
import type { EventHandler } from '../events/bus';
import { deliveriesQueued } from './queued';

/**
 * The event consumer behind outgoing webhooks: one delivery per enabled
 * endpoint subscribed to the event's type. Idempotent by event id (a
 * redelivered event finds its deliveries there), and an event this database
 * never recorded (another deployment's, on a shared broker) queues nothing.
 */
export function webhookFanOut(db: Db): EventHandler {
  return async (message) => {
    const queued = await db.$executeRaw`
      INSERT INTO "WebhookDelivery" ("endpointId", "eventId")
      SELECT e."id", o."id" FROM "WebhookEndpoint" e JOIN "OutboxEvent" o ON o."id" = ${message.id}::uuid
      WHERE e."enabled" AND ${message.type} = ANY(e."eventTypes")
      ON CONFLICT ("endpointId", "eventId", "replay") DO NOTHING`;
    if (queued > 0) deliveriesQueued();
  };
}
