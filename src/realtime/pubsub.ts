import type { Logger } from '../logger';
import { createMemoryPubSub } from './memory-pubsub';
import { createRedisPubSub } from './redis-pubsub';

/**
 * Fire-and-forget messages by topic, for live updates (subscriptions).
 * Delivery is at most once and only to subscribers present when a message is
 * published: nothing is stored, so a subscriber must read the current state
 * itself (the order subscription reloads the order on every event). Payloads
 * travel as JSON in every implementation, so a `Date` arrives as a string.
 */
export interface PubSub {
  /** Hands `payload` to the topic's current subscribers; rejects when it could not be sent (e.g. Redis unreachable). */
  publish(topic: string, payload: unknown): Promise<void>;
  /** An async iterator of the topic's messages from now on; `return()` unsubscribes. */
  subscribe<T = unknown>(topic: string): AsyncIterableIterator<T>;
  /** Ends every subscription (their iterators finish) and releases connections; publishing afterwards rejects. */
  close(): Promise<void>;
}

/**
 * Redis when `redisUrl` is set (every gateway instance sees every message),
 * otherwise in-process (fine for a single instance, and for tests).
 */
export function createPubSub(config: { redisUrl?: string | undefined }, log: Logger): PubSub {
  return config.redisUrl ? createRedisPubSub(config.redisUrl, log) : createMemoryPubSub({ log });
}

export { createMemoryPubSub } from './memory-pubsub';
export { createRedisPubSub } from './redis-pubsub';
