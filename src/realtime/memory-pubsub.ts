import type { Logger } from '../logger';
import type { PubSub } from './pubsub';
import { createSubscriberQueue, type SubscriberQueue } from './subscriber-queue';

export interface MemoryPubSubOptions {
  /** Undelivered messages kept per subscriber (default 100); past that the oldest are dropped. */
  maxBuffered?: number;
  /** Where dropped messages are reported. */
  log?: Logger;
}

/**
 * Pub/sub inside this process: enough for one gateway instance and for tests.
 * Payloads go through JSON like they do over Redis, so code that works here
 * works there too (no shared objects, no Dates surviving as Dates).
 */
export function createMemoryPubSub(options: MemoryPubSubOptions = {}): PubSub {
  const topics = new Map<string, Set<SubscriberQueue<unknown>>>();
  let closed = false;

  return {
    async publish(topic, payload) {
      if (closed) throw new Error('The pub/sub is closed.');
      const json = JSON.stringify(payload);
      if (json === undefined) throw new TypeError('A pub/sub payload must be JSON-serialisable.');
      for (const subscriber of topics.get(topic) ?? []) subscriber.push(JSON.parse(json));
    },
    subscribe<T>(topic: string) {
      const queue = createSubscriberQueue<T>({
        maxBuffered: options.maxBuffered,
        onDrop: () => options.log?.warn({ topic }, 'pub/sub subscriber too slow: dropped its oldest message'),
        onClose: () => {
          const subscribers = topics.get(topic);
          subscribers?.delete(queue as SubscriberQueue<unknown>);
          if (subscribers?.size === 0) topics.delete(topic);
        },
      });
      if (closed) queue.end();
      else {
        const subscribers = topics.get(topic) ?? new Set();
        subscribers.add(queue as SubscriberQueue<unknown>);
        topics.set(topic, subscribers);
      }
      return queue;
    },
    async close() {
      closed = true;
      for (const subscribers of [...topics.values()]) for (const queue of [...subscribers]) queue.end();
      topics.clear();
    },
  };
}
