import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { printSchema, type GraphQLSchema } from 'graphql';
import type { Config } from '../../config';
import type { Context } from '../../context';
import type { Logger } from '../../logger';
import { responseCachePlugin, schemaFingerprint } from './plugin';
import { createRedisResponseStore } from './redis-store';
import { createMemoryResponseStore, type ResponseStore } from './store';

export interface ResponseCache {
  /** Cache-Control headers, and the shared cache when it is on. */
  plugin: ApolloServerPlugin<Context>;
  /**
   * Public catalog data changed (call after the change committed): every
   * cached response is dropped, on every instance sharing the store. Never
   * throws: a failure is logged, and the entries expire after their maxAge.
   */
  invalidate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Instances share cached responses when they share Redis and the database:
 * the key space is named after the database (host, port and name; never the
 * credentials), so two deployments on one Redis never see each other's data.
 */
export function cacheNamespace(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  let database = `embedded:${config.dataDir}`;
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    database = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  }
  return `storefront:response-cache:${createHash('sha256').update(database).digest('hex').slice(0, 12)}:`;
}

/**
 * The response cache as configured: in Redis with REDIS_URL (shared by every
 * instance), else in this process's memory; off with RESPONSE_CACHE=false
 * (the Cache-Control headers stay).
 */
export async function createResponseCache(config: Config, schema: GraphQLSchema, log: Logger): Promise<ResponseCache> {
  let store: ResponseStore | null = null;
  if (config.responseCache.enabled) {
    if (config.redisUrl) {
      const redisStore = createRedisResponseStore(config.redisUrl, cacheNamespace(config), log);
      await redisStore.connect();
      store = redisStore;
    } else {
      store = createMemoryResponseStore(config.responseCache.memoryBytes);
    }
  }
  const plugin = responseCachePlugin(schema, { store, schemaFingerprint: schemaFingerprint(printSchema(schema)), log });
  return {
    plugin,
    async invalidate() {
      await store?.invalidate().catch((error: unknown) => log.error({ err: error }, 'invalidating the response cache failed'));
    },
    async close() {
      await store?.close();
    },
  };
}
