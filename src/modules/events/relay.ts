import type { Db } from '../../db/prisma';
import type { Logger } from '../../logger';
import type { EventBus } from './bus';
import { eventMessage } from './catalogue';
import { onOutboxCommitted } from './outbox';
import { startWorkerLoop } from './worker-loop';

export interface RelayOptions {
  db: Db;
  log: Logger;
  bus: EventBus;
  /** The first retry delay of an event the bus did not take; doubled per attempt up to `maxRetryDelayMs`. */
  retryBaseMs: number;
  maxRetryDelayMs?: number;
  /** How often to look for events no nudge announced; null when this process is the database's only writer. */
  sweepIntervalMs: number | null;
  batchSize?: number;
  /** How long a claimed event is this relay's alone; far longer than a publish may take. */
  leaseMs?: number;
}

export interface Relay {
  stop(): Promise<void>;
}

interface ClaimedEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
  position: bigint;
}

/**
 * Delivers the outbox to the bus, at least once and in order per aggregate,
 * with any number of relays (gateway instances) over one database:
 *
 * - A claim is one UPDATE over rows picked `FOR UPDATE SKIP LOCKED`: two
 *   relays never claim the same event, and the claim's lease (its
 *   `nextAttemptAt` moved forward) keeps it this relay's until it is marked.
 *   The lease runs out only if this relay dies mid-flight: then another one
 *   delivers it again (hence at least once, and consumers dedupe by id).
 * - An event is claimable only while no earlier event of its aggregate is
 *   undelivered, so event n+1 of an order never overtakes event n, be it
 *   in flight elsewhere or waiting for its retry.
 * - A failed event waits `retryBaseMs · 2^(attempts-1)` (at most
 *   `maxRetryDelayMs`); only a broker confirm (or every in-process consumer)
 *   marks it delivered.
 *
 * A plain `SKIP LOCKED` claim rather than pg-boss or graphile-worker: the
 * outbox rows must be written by the business transactions themselves, and
 * per-aggregate ordering is one `NOT EXISTS`; a job queue would add a second
 * table, its own schema and polling, and still need that ordering rule.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { db, log, bus, retryBaseMs, maxRetryDelayMs = 300_000, sweepIntervalMs, batchSize = 100, leaseMs = 60_000 } = options;
  let stopping = false;

  const claim = () => db.$queryRaw<ClaimedEvent[]>`
    UPDATE "OutboxEvent" SET "attempts" = "attempts" + 1, "nextAttemptAt" = now() + ${leaseMs}::float8 * interval '1 millisecond'
    WHERE "id" IN (
      SELECT e."id" FROM "OutboxEvent" e
      WHERE e."deliveredAt" IS NULL AND e."nextAttemptAt" <= now()
        AND NOT EXISTS (
          SELECT 1 FROM "OutboxEvent" p
          WHERE p."aggregateType" = e."aggregateType" AND p."aggregateId" = e."aggregateId"
            AND p."deliveredAt" IS NULL AND p."position" < e."position")
      ORDER BY e."position" LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED)
    RETURNING "id", "type", "aggregateType", "aggregateId", "payload", "createdAt", "attempts", "position"`;

  async function settle(events: ClaimedEvent[], outcomes: Array<Error | null>): Promise<void> {
    const delivered = events.filter((_, index) => outcomes[index] === null).map((event) => event.id);
    const failed = events.flatMap((event, index) => {
      const error = outcomes[index];
      return error ? [{ event, error }] : [];
    });
    if (delivered.length > 0) {
      await db.$executeRaw`UPDATE "OutboxEvent" SET "deliveredAt" = now(), "lastError" = NULL WHERE "id" = ANY(${delivered}::uuid[])`;
    }
    if (failed.length > 0) {
      const delays = failed.map(({ event }) => Math.min(maxRetryDelayMs, retryBaseMs * 2 ** Math.min(event.attempts - 1, 30)));
      log.warn(
        { events: failed.length, firstError: failed[0]!.error.message, retryInMs: Math.min(...delays), bus: bus.kind },
        'events not delivered; they stay in the outbox and are retried',
      );
      // The attempts guard: an event whose lease ran out and was claimed again is left to its new holder.
      await db.$executeRaw`
        UPDATE "OutboxEvent" o SET "nextAttemptAt" = now() + f."delayMs" * interval '1 millisecond', "lastError" = f."error"
        FROM unnest(${failed.map(({ event }) => event.id)}::uuid[], ${delays}::int[], ${failed.map(({ error }) => error.message.slice(0, 500))}::text[], ${failed.map(({ event }) => event.attempts)}::int[])
          AS f("id", "delayMs", "error", "attempts")
        WHERE o."id" = f."id" AND o."attempts" = f."attempts" AND o."deliveredAt" IS NULL`;
    }
  }

  /** Milliseconds until the next event that may go (the first undelivered of its aggregate) falls due, or null when none waits. */
  async function dueInMs(): Promise<number | null> {
    const [row] = await db.$queryRaw<Array<{ dueInMs: number | null }>>`
      SELECT (EXTRACT(EPOCH FROM (min(e."nextAttemptAt") - now())) * 1000)::float8 AS "dueInMs"
      FROM "OutboxEvent" e
      WHERE e."deliveredAt" IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM "OutboxEvent" p
          WHERE p."aggregateType" = e."aggregateType" AND p."aggregateId" = e."aggregateId"
            AND p."deliveredAt" IS NULL AND p."position" < e."position")`;
    return row?.dueInMs ?? null;
  }

  // Asked once before serving: only work left from before (a restart, another instance) starts a run right away.
  const loop = startWorkerLoop({
    name: 'outbox relay',
    log,
    sweepMs: sweepIntervalMs,
    firstRunInMs: await dueInMs(),
    async work(trigger) {
      if (trigger === 'timer') {
        // A sweep or a due time: look before claiming, so an idle outbox costs one statement.
        const due = await dueInMs();
        if (due === null || due > 0) return due;
      }
      while (!stopping) {
        const events = (await claim()).sort((a, b) => (a.position < b.position ? -1 : 1));
        if (events.length === 0) break;
        const outcomes = await bus.publish(events.map(eventMessage));
        await settle(events, outcomes);
        // Nothing got through (the broker is down): the retries are scheduled, no point in claiming more now.
        if (outcomes.every((outcome) => outcome !== null)) break;
      }
      return stopping ? null : dueInMs();
    },
  });
  const unlisten = onOutboxCommitted(() => loop.nudge());
  return {
    async stop() {
      stopping = true;
      unlisten();
      await loop.stop();
    },
  };
}
