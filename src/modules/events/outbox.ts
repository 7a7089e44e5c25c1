import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client';
import type { NewEvent } from './catalogue';
import { Signal } from './signal';

/**
 * Writes events to the outbox inside the caller's transaction: they exist
 * exactly when the change they report committed, and a rolled-back
 * transaction leaves none. Call it after the statement that changed (and so
 * locked) the aggregate's row, so the outbox order of one aggregate's events
 * is the order of its changes. Nothing here knows of brokers or webhooks.
 */
export async function recordEvents(tx: Prisma.TransactionClient, events: ReadonlyArray<NewEvent | null>): Promise<void> {
  const rows = events.filter((event): event is NewEvent => event !== null).map((event) => ({ id: randomUUID(), ...event }));
  if (rows.length === 0) return;
  // One INSERT: its rows take their positions in array order.
  await tx.outboxEvent.createMany({ data: rows });
}

/** One event (or none, for a change no event reports): see `recordEvents`. */
export function recordEvent(tx: Prisma.TransactionClient, event: NewEvent | null): Promise<void> {
  return recordEvents(tx, [event]);
}

const committed = new Signal();

/**
 * Tells this process's relay that a transaction which may have recorded
 * events has committed, so it delivers them now rather than at its next
 * sweep. Call it after the transaction, never inside it.
 */
export function outboxCommitted(): void {
  committed.notify();
}

/** For the relay: called after `outboxCommitted`. */
export function onOutboxCommitted(listener: () => void): () => void {
  return committed.listen(listener);
}
