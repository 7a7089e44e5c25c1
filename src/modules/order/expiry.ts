import type { Db } from '../../db/prisma';
import type { Logger } from '../../logger';
import { orderExpired } from '../events/catalogue';
import { outboxCommitted, recordEvents } from '../events/outbox';

/** Orders expired in one transaction at most, so one slow batch never holds many locks for long. */
const BATCH = 100;

/**
 * Cancels orders that stayed unpaid longer than `timeoutMs` and puts their
 * stock back, in one transaction. The candidates are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several gateway instances running this job at
 * once split the work instead of blocking each other, and the status
 * condition makes each expiry (and its stock release) happen exactly once,
 * even against a payment arriving at the same moment.
 * @returns the ids of the orders it expired.
 */
export async function expireUnpaidOrders(db: Db, timeoutMs: number, now = new Date()): Promise<number[]> {
  const cutoff = new Date(now.getTime() - timeoutMs);
  const expiredIds = await db.$transaction(async (tx) => {
    const expired = await tx.$queryRaw<Array<{ id: number }>>`
      UPDATE "Order" SET "status" = 'CANCELLED', "updatedAt" = now()
      WHERE "id" IN (
        SELECT "id" FROM "Order" WHERE "status" = 'PENDING_PAYMENT' AND "createdAt" < ${cutoff}
        ORDER BY "createdAt" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
      ) AND "status" = 'PENDING_PAYMENT'
      RETURNING "id"`;
    if (expired.length === 0) return [];
    const ids = expired.map((row) => row.id);
    // Product-id order, as checkout reserves, so this never deadlocks with a checkout.
    await tx.$executeRaw`
      UPDATE "Product" p SET "stockQuantity" = p."stockQuantity" + i.quantity, "updatedAt" = now()
      FROM (SELECT "productId", SUM("quantity")::int AS quantity FROM "OrderItem" WHERE "orderId" = ANY(${ids}::int[]) GROUP BY 1 ORDER BY 1) i
      WHERE p."id" = i."productId"`;
    await tx.payment.updateMany({ where: { orderId: { in: ids }, status: 'PENDING' }, data: { status: 'FAILED', failureReason: 'The order expired unpaid.' } });
    await recordEvents(tx, (await tx.order.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } })).map(orderExpired));
    return ids;
  });
  if (expiredIds.length > 0) outboxCommitted();
  return expiredIds;
}

export interface ExpiryJob {
  stop(): Promise<void>;
}

/**
 * Runs `expireUnpaidOrders` every `intervalMs` in this process. Safe with any
 * number of instances (see above). `onExpired` hears of each expired order
 * after the transaction committed (to publish its new status).
 */
export function startExpiryJob(options: {
  db: Db;
  log: Logger;
  timeoutMs: number;
  intervalMs: number;
  onExpired?: (orderId: number) => void;
}): ExpiryJob {
  const { db, log, timeoutMs, intervalMs, onExpired } = options;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        for (;;) {
          const ids = await expireUnpaidOrders(db, timeoutMs);
          if (ids.length > 0) log.info({ orders: ids }, 'unpaid orders expired; stock released');
          for (const id of ids) onExpired?.(id);
          if (ids.length < BATCH) break;
        }
      } catch (error) {
        log.error({ err: error }, 'expiring unpaid orders failed; will retry');
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
