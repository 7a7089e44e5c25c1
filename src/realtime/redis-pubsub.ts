import Redis from 'ioredis';
import type { Logger } from '../logger';
import type { PubSub } from './pubsub';
import { createSubscriberQueue, type SubscriberQueue } from './subscriber-queue';
import { closeRedis } from '../db/redis';

export interface RedisPubSubOptions {
  /** Put before every topic to make the Redis channel name, so several deployments (or test runs) can share one Redis. */
  channelPrefix?: string;
  /** Undelivered messages kept per subscriber (default 100); past that the oldest are dropped. */
  maxBuffered?: number;
}

const DEFAULT_CHANNEL_PREFIX = 'storefront:';

/** Logs a connection's failure once per outage (ioredis reports every reconnection attempt) and its recovery. */
function watch(connection: Redis, role: 'publisher' | 'subscriber', log: Logger): void {
  let healthy = true;
  connection.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    log.error({ err: error, role }, 'redis pub/sub connection failed; reconnecting');
  });
  connection.on('ready', () => {
    if (healthy) return;
    healthy = true;
    log.info({ role }, 'redis pub/sub connection restored');
  });
}


/**
 * Pub/sub over Redis, so an event published on one gateway instance reaches
 * subscribers on every instance. Two connections per instance: one
 * publishing, and one in subscriber mode shared by all of this instance's
 * subscriptions (Redis is asked to SUBSCRIBE a channel when its first local
 * subscriber arrives and to UNSUBSCRIBE when its last one leaves).
 *
 * Redis pub/sub stores nothing: a message published while a subscriber
 * connection is down is lost (ioredis reconnects and resubscribes by itself).
 * A subscription also starts receiving only once Redis has confirmed the
 * SUBSCRIBE, a moment after `subscribe()` returns.
 */
export function createRedisPubSub(url: string, log: Logger, options: RedisPubSubOptions = {}): PubSub {
  const prefix = options.channelPrefix ?? DEFAULT_CHANNEL_PREFIX;
  // A publish while Redis is down fails after one reconnection attempt, so the publisher (a webhook) is not held up.
  const publisher = new Redis(url, { maxRetriesPerRequest: 1, connectionName: 'storefront-publisher' });
  // The subscriber waits for Redis as long as it takes: SUBSCRIBE is replayed on reconnection.
  const subscriber = new Redis(url, { maxRetriesPerRequest: null, connectionName: 'storefront-subscriber' });
  watch(publisher, 'publisher', log);
  watch(subscriber, 'subscriber', log);

  const channels = new Map<string, Set<SubscriberQueue<unknown>>>();
  let closed = false;

  subscriber.on('message', (channel: string, message: string) => {
    const subscribers = channels.get(channel);
    if (!subscribers) return;
    let payloads: unknown[];
    try {
      // Parsed once per subscriber: none of them can change what another one receives.
      payloads = [...subscribers].map(() => JSON.parse(message) as unknown);
    } catch {
      log.warn({ channel }, 'redis pub/sub: dropped a message that is not JSON');
      return;
    }
    [...subscribers].forEach((queue, index) => queue.push(payloads[index]));
  });

  return {
    async publish(topic, payload) {
      if (closed) throw new Error('The pub/sub is closed.');
      const json = JSON.stringify(payload);
      if (json === undefined) throw new TypeError('A pub/sub payload must be JSON-serialisable.');
      await publisher.publish(prefix + topic, json);
    },
    subscribe<T>(topic: string) {
      const channel = prefix + topic;
      const queue = createSubscriberQueue<T>({
        maxBuffered: options.maxBuffered,
        onDrop: () => log.warn({ topic }, 'pub/sub subscriber too slow: dropped its oldest message'),
        onClose: () => {
          const subscribers = channels.get(channel);
          if (!subscribers?.delete(queue as SubscriberQueue<unknown>) || subscribers.size > 0) return;
          channels.delete(channel);
          // Commands on one connection run in order, so an UNSUBSCRIBE followed by a new SUBSCRIBE leaves the channel subscribed.
          if (!closed) subscriber.unsubscribe(channel).catch((error: unknown) => log.warn({ err: error, channel }, 'redis UNSUBSCRIBE failed'));
        },
      });
      if (closed) {
        queue.end();
        return queue;
      }
      let subscribers = channels.get(channel);
      if (!subscribers) {
        subscribers = new Set();
        channels.set(channel, subscribers);
        subscriber.subscribe(channel).catch((error: unknown) => log.error({ err: error, channel }, 'redis SUBSCRIBE failed'));
      }
      subscribers.add(queue as SubscriberQueue<unknown>);
      return queue;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const subscribers of [...channels.values()]) for (const queue of [...subscribers]) queue.end();
      channels.clear();
      await Promise.all([closeRedis(publisher), closeRedis(subscriber)]);
    },
  };
}
