import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';

/**
 * Where cached responses live, with a generation number: invalidating bumps
 * the generation, and an entry is only ever found under the generation that
 * was current when its request started. So a response computed from data read
 * before a change, but finished after it, is stored where nobody looks.
 */
export interface ResponseStore {
  /** The current generation and, under it, the entry for `key` (undefined: none); one round trip. Null generation: the store is unreachable. */
  lookup(key: string): Promise<{ generation: string | null; entry: string | undefined }>;
  /** Keeps `entry` for `ttlSeconds` under `generation` (the one `lookup` returned before the response was computed). */
  store(key: string, generation: string, entry: string, ttlSeconds: number): Promise<void>;
  /** Bumps the generation: every entry stored so far is dropped (for every instance sharing the store). */
  invalidate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One process's store: a least-recently-used map of at most `maxBytes` of
 * response text. Invalidation only reaches this process: with several
 * instances, use Redis (REDIS_URL).
 */
export function createMemoryResponseStore(maxBytes: number): ResponseStore {
  let generation = 0;
  const entries = new InMemoryLRUCache<string>({ maxSize: maxBytes });
  return {
    async lookup(key) {
      return { generation: String(generation), entry: await entries.get(key) };
    },
    async store(key, entryGeneration, entry, ttlSeconds) {
      if (entryGeneration !== String(generation)) return;
      await entries.set(key, entry, { ttl: ttlSeconds });
    },
    async invalidate() {
      generation += 1;
      entries.clear();
    },
    async close() {
      entries.clear();
    },
  };
}
