import { Signal } from '../events/signal';

const queued = new Signal();

/** Tells this process's webhook dispatcher that deliveries were committed, so it sends them now. */
export function deliveriesQueued(): void {
  queued.notify();
}

export function onDeliveriesQueued(listener: () => void): () => void {
  return queued.listen(listener);
}
