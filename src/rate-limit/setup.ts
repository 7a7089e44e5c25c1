import Redis from 'ioredis';
import type { RateLimitConfig } from '../config';
import type { Logger } from '../logger';
import { createAttemptLimiter, type AttemptLimiter } from './attempts';
import { createMemoryBudget, type CostBudget } from './budget';
import { createRedisBudget } from './redis-budget';
import { closeRedis } from '../db/redis';

export interface RateLimits {
  /** Null when rate limiting is off. */
  budget: CostBudget | null;
  /** Null when rate limiting is off. */
  signIn: AttemptLimiter | null;
  close(): Promise<void>;
}

/** A Redis call that takes longer than this counts as failed: the request goes on with this instance's own count. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

/** Budgets and attempt counts in memory, or in Redis at `redisUrl` so that every instance shares them. */
export function createRateLimits(config: RateLimitConfig, redisUrl: string | undefined, log: Logger): RateLimits {
  if (!config.enabled) return { budget: null, signIn: null, close: async () => undefined };
  const signInSettings = { perAccount: config.signInAttemptsPerAccount, perAddress: config.signInAttemptsPerAddress, windowSeconds: config.signInWindowSeconds };
  const bucket = { capacity: config.bucketSize, restoreRate: config.restoreRate };
  if (!redisUrl) {
    const budget = createMemoryBudget(bucket);
    return { budget, signIn: createAttemptLimiter(signInSettings, config.redisPrefix), close: () => budget.close() };
  }
  // Fail fast rather than queue while Redis is away: a request must not wait for it.
  const redis = new Redis(redisUrl, { commandTimeout: REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 });
  let healthy = true;
  redis.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    log.error({ err: error }, 'rate limit: Redis connection failed; reconnecting');
  });
  redis.on('ready', () => {
    healthy = true;
  });
  const budget = createRedisBudget(redis, bucket, config.redisPrefix, log);
  return {
    budget,
    signIn: createAttemptLimiter(signInSettings, config.redisPrefix, redis),
    async close() {
      await budget.close();
      await closeRedis(redis);
    },
  };
}
