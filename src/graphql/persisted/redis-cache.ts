import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import Redis from 'ioredis';
import type { Logger } from '../../logger';
import { closeRedis } from '../../db/redis';

/** Put before every key, so the gateway's entries can be told apart from anything else in the same Redis. */
const KEY_PREFIX = 'storefront:';
/** A lookup waits no longer than this: a slow Redis must not hold a request up (a miss only costs the client a resend). */
const COMMAND_TIMEOUT_MS = 1_000;

export interface RedisKeyValueCache extends KeyValueCache<string> {
  /** Waits until the connection is up (or has failed once), so the first requests find it ready. */
  connect(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Apollo's KeyValueCache over one ioredis connection, for the automatic
 * persisted queries every gateway instance shares. A cache, not a store:
 * when Redis is down, a lookup answers "not stored" (the client then sends the
 * query in full, and it runs) and a failed write is dropped; the outage is
 * logged once, and its end once.
 */
export function createRedisKeyValueCache(url: string, log: Logger): RedisKeyValueCache {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectionName: 'storefront-persisted-queries',
  });
  let healthy = true;
  const failed = (error: unknown) => {
    if (!healthy) return;
    healthy = false;
    log.error({ err: error }, 'redis for persisted queries failed; serving without stored queries until it is back');
  };
  redis.on('error', failed);
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    log.info('redis for persisted queries restored');
  });

  return {
    async get(key) {
      try {
        return (await redis.get(KEY_PREFIX + key)) ?? undefined;
      } catch (error) {
        failed(error);
        return undefined;
      }
    },
    async set(key, value, options?: KeyValueCacheSetOptions) {
      try {
        if (options?.ttl) await redis.set(KEY_PREFIX + key, value, 'EX', options.ttl);
        else await redis.set(KEY_PREFIX + key, value);
      } catch (error) {
        failed(error);
      }
    },
    async delete(key) {
      try {
        return (await redis.del(KEY_PREFIX + key)) > 0;
      } catch (error) {
        failed(error);
        return false;
      }
    },
    async connect() {
      // ioredis keeps reconnecting in the background after a failed first attempt.
      await redis.connect().catch(failed);
    },
    close: () => closeRedis(redis),
  };
}
