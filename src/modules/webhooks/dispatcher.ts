import { Webhook } from 'standardwebhooks';
import type { Config } from '../../config';
import type { Db } from '../../db/prisma';
import type { OutboxEvent, WebhookEndpoint } from '../../generated/prisma/client';
import type { Logger } from '../../logger';
import { eventMessage } from '../events/catalogue';
import { startWorkerLoop } from '../events/worker-loop';
import { onDeliveriesQueued } from './queued';
import { openSecret } from './secrets';
import { postDelivery, type AttemptOutcome } from './sender';

export interface DispatcherOptions {
  db: Db;
  log: Logger;
  config: Config['webhooks'];
  /** How often to look for deliveries no nudge announced (another instance's); null when this process is the database's only writer. */
  sweepIntervalMs: number | null;
  /** Deliveries sent at once. */
  batchSize?: number;
}

export interface Dispatcher {
  stop(): Promise<void>;
}

interface ClaimedDelivery {
  id: number;
  endpointId: number;
  eventId: string;
  attempts: number;
}

/**
 * The `webhook-signature` header: one `v1,…` signature per secret in use
 * (the current one, and the previous one during a rotation's overlap).
 */
export function signatureHeader(secrets: readonly string[], eventId: string, sentAt: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(eventId, sentAt, body)).join(' ');
}

function secretsOf(endpoint: WebhookEndpoint, key: Buffer, now: Date): string[] {
  const secrets = [openSecret(endpoint.encryptedSecret, key)];
  if (endpoint.previousEncryptedSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(openSecret(endpoint.previousEncryptedSecret, key));
  }
  return secrets;
}

/**
 * Sends pending webhook deliveries, with any number of instances over one
 * database: a claim picks due deliveries `FOR UPDATE SKIP LOCKED` and leases
 * them (their `nextAttemptAt` moves past the attempt's timeout), so two
 * instances never send one attempt twice. Each attempt is signed when it is
 * sent (a fresh `webhook-timestamp`); a failure waits for the next delay of
 * the retry schedule, and after the last one the delivery is FAILED (an admin
 * may replay it). Deliveries are independent: they are not ordered.
 */
export async function startWebhookDispatcher(options: DispatcherOptions): Promise<Dispatcher> {
  const { db, log, config, sweepIntervalMs, batchSize = 20 } = options;
  const leaseMs = config.timeoutMs + 60_000;
  let stopping = false;

  const claim = () => db.$queryRaw<ClaimedDelivery[]>`
    UPDATE "WebhookDelivery" SET "attempts" = "attempts" + 1, "lastAttemptAt" = now(), "nextAttemptAt" = now() + ${leaseMs}::float8 * interval '1 millisecond'
    WHERE "id" IN (
      SELECT d."id" FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e."id" = d."endpointId"
      WHERE d."status" = 'PENDING' AND d."nextAttemptAt" <= now() AND e."enabled"
      ORDER BY d."nextAttemptAt", d."id" LIMIT ${batchSize}
      FOR UPDATE OF d SKIP LOCKED)
    RETURNING "id", "endpointId", "eventId", "attempts"`;

  async function attempt(delivery: ClaimedDelivery, endpoint: WebhookEndpoint | undefined, event: OutboxEvent | undefined): Promise<AttemptOutcome> {
    if (!endpoint || !event) return { ok: false, status: null, latencyMs: 0, error: 'its endpoint or event is gone' };
    const body = JSON.stringify(eventMessage(event));
    const sentAt = new Date();
    let signature: string;
    try {
      signature = signatureHeader(secretsOf(endpoint, config.secretKey, sentAt), event.id, sentAt, body);
    } catch (error) {
      log.error({ err: error, endpointId: endpoint.id }, "a webhook endpoint's secret cannot be decrypted (was WEBHOOK_SECRET_KEY or JWT_SECRET changed?)");
      return { ok: false, status: null, latencyMs: 0, error: 'the signing secret cannot be decrypted with the configured key' };
    }
    const headers = { 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature };
    return postDelivery(endpoint.url, body, headers, { timeoutMs: config.timeoutMs, allowPrivateAddresses: config.allowPrivateAddresses });
  }

  async function record(delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
    const retryInMs = config.retryScheduleMs[delivery.attempts - 1];
    const status = outcome.ok ? 'SUCCEEDED' : retryInMs === undefined ? 'FAILED' : 'PENDING';
    if (!outcome.ok) {
      log.warn({ deliveryId: delivery.id, endpointId: delivery.endpointId, attempt: delivery.attempts, status: outcome.status, error: outcome.error, retryInMs }, 'webhook attempt failed');
    }
    // The attempts guard: a delivery whose lease ran out and was claimed again belongs to its new holder.
    await db.$executeRaw`
      UPDATE "WebhookDelivery" SET
        "status" = ${status}::"WebhookDeliveryStatus",
        "nextAttemptAt" = CASE WHEN ${status} = 'PENDING' THEN now() + ${retryInMs ?? 0}::float8 * interval '1 millisecond' END,
        "deliveredAt" = CASE WHEN ${status} = 'SUCCEEDED' THEN now() END,
        "responseStatus" = ${outcome.status}::int, "latencyMs" = ${outcome.latencyMs}::int, "lastError" = ${outcome.error?.slice(0, 500) ?? null}
      WHERE "id" = ${delivery.id} AND "attempts" = ${delivery.attempts}`;
  }

  async function dueInMs(): Promise<number | null> {
    const [row] = await db.$queryRaw<Array<{ dueInMs: number | null }>>`
      SELECT (EXTRACT(EPOCH FROM (min(d."nextAttemptAt") - now())) * 1000)::float8 AS "dueInMs"
      FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e."id" = d."endpointId"
      WHERE d."status" = 'PENDING' AND e."enabled"`;
    return row?.dueInMs ?? null;
  }

  // Asked once before serving: only work left from before (a restart, another instance) starts a run right away.
  const loop = startWorkerLoop({
    name: 'webhook dispatcher',
    log,
    sweepMs: sweepIntervalMs,
    firstRunInMs: await dueInMs(),
    async work(trigger) {
      if (trigger === 'timer') {
        const due = await dueInMs();
        if (due === null || due > 0) return due;
      }
      while (!stopping) {
        const claimed = await claim();
        if (claimed.length === 0) break;
        const [endpoints, events] = await Promise.all([
          db.webhookEndpoint.findMany({ where: { id: { in: [...new Set(claimed.map((delivery) => delivery.endpointId))] } } }),
          db.outboxEvent.findMany({ where: { id: { in: [...new Set(claimed.map((delivery) => delivery.eventId))] } } }),
        ]);
        const endpointById = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
        const eventById = new Map(events.map((event) => [event.id, event]));
        await Promise.all(
          claimed.map(async (delivery) => record(delivery, await attempt(delivery, endpointById.get(delivery.endpointId), eventById.get(delivery.eventId)))),
        );
      }
      return stopping ? null : dueInMs();
    },
  });
  const unlisten = onDeliveriesQueued(() => loop.nudge());
  return {
    async stop() {
      stopping = true;
      unlisten();
      await loop.stop();
    },
  };
}
