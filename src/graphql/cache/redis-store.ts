import Redis from 'ioredis';
import type { Logger } from '../../logger';
import type { ResponseStore } from './store';
import { closeRedis } from '../../db/redis';

/** A lookup waits no longer than this: executing the query is the fallback, and it is rarely slower. */
const COMMAND_TIMEOUT_MS = 500;
/**
 * The generation counter of a database nobody invalidated for this long is
 * dropped (so abandoned namespaces do not pile up). Safe: when it is gone,
 * every entry stored under it expired long ago (entries live minutes).
 */
const GENERATION_TTL_SECONDS = 30 * 86_400;

// The generation and the entry under it, in one round trip (the entry's key depends on the generation).
const LOOKUP_SCRIPT = `
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])}`;

interface LookupCommand {
  responseCacheLookup(generationKey: string, entryPrefix: string, key: string): Promise<[string, string | null]>;
}

/**
 * The response cache in Redis, shared by every instance using the same Redis
 * and `namespace`: entries under `<namespace>entry:<generation>:<key>` with
 * their TTL, the generation under `<namespace>generation` (INCR invalidates
 * everywhere at once). A cache, not a store: while Redis is unreachable every
 * lookup is a miss (the query runs) and nothing is stored; the outage is
 * logged once, and its end once. An invalidation sent during an outage may be
 * lost, so the generation is bumped again whenever the connection comes back.
 */
export function createRedisResponseStore(url: string, namespace: string, log: Logger): ResponseStore & { connect(): Promise<void> } {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // Fail at once while disconnected instead of queueing: a miss is cheaper than a wait.
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectionName: 'storefront-response-cache',
  });
  redis.defineCommand('responseCacheLookup', { numberOfKeys: 1, lua: LOOKUP_SCRIPT });
  const commands = redis as unknown as Redis & LookupCommand;
  const generationKey = `${namespace}generation`;
  const entryPrefix = `${namespace}entry:`;

  const bump = async () => {
    await redis.multi().incr(generationKey).expire(generationKey, GENERATION_TTL_SECONDS).exec();
  };

  let healthy = true;
  const failed = (error: unknown) => {
    if (!healthy) return;
    healthy = false;
    log.error({ err: error }, 'redis for the response cache failed; answering without the cache until it is back');
  };
  redis.on('error', failed);
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    log.info('redis for the response cache restored; dropping what it held');
    bump().catch(failed);
  });

  return {
    async lookup(key) {
      try {
        const [generation, entry] = await commands.responseCacheLookup(generationKey, entryPrefix, key);
        return { generation, entry: entry ?? undefined };
      } catch (error) {
        failed(error);
        return { generation: null, entry: undefined };
      }
    },
    async store(key, generation, entry, ttlSeconds) {
      try {
        await redis.set(`${entryPrefix}${generation}:${key}`, entry, 'EX', ttlSeconds);
      } catch (error) {
        failed(error);
      }
    },
    async invalidate() {
      try {
        await bump();
      } catch (error) {
        failed(error);
      }
    },
    async connect() {
      // ioredis keeps reconnecting in the background after a failed first attempt.
      await redis.connect().catch(failed);
    },
    close: () => closeRedis(redis),
  };
}
