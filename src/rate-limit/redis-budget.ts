import type Redis from 'ioredis';
import type { Logger } from '../logger';
import { createMemoryBudget, secondsUntil, throttleStatus, type BucketSettings, type CostBudget, type ThrottleStatus } from './budget';

// The token bucket of budget.ts in Redis, so every gateway instance draws on
// one budget per client. Refill, check and take happen in one Lua script, so
// two instances taking at once cannot both spend the same points, and the
// time is Redis's own, so instances with skewed clocks agree.

const BUCKET_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local mode = ARGV[4]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local granted = 1
if mode == 'take' then
  if tokens >= points then tokens = tokens - points else granted = 0 end
elseif mode == 'adjust' then
  tokens = math.max(0, math.min(capacity, tokens + points))
end
if mode ~= 'peek' and granted == 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
end
return { granted, tostring(tokens) }
`;

type Mode = 'take' | 'adjust' | 'peek';
interface BucketCommand {
  storefrontCostBucket(key: string, capacity: number, rate: number, points: number, mode: Mode): Promise<[number, string]>;
}

/** After a failed Redis call, how long this instance uses its own buckets before trying Redis again. */
const FALLBACK_MS = 5_000;

/**
 * Buckets in Redis under `prefix`. When Redis fails, this instance falls back
 * to in-memory buckets for a few seconds at a time (logged), so an outage of
 * Redis costs the budget's sharing, not the gateway's availability.
 */
export function createRedisBudget(redis: Redis, settings: BucketSettings, prefix: string, log: Logger): CostBudget {
  redis.defineCommand('storefrontCostBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
  const command = redis as unknown as BucketCommand;
  const fallback = createMemoryBudget(settings);
  let failingUntil = 0;

  async function run(key: string, points: number, mode: Mode): Promise<{ granted: boolean; tokens: number } | null> {
    if (Date.now() < failingUntil) return null;
    try {
      const [granted, tokens] = await command.storefrontCostBucket(prefix + key, settings.capacity, settings.restoreRate, points, mode);
      return { granted: granted === 1, tokens: Number(tokens) };
    } catch (error) {
      if (failingUntil === 0 || Date.now() >= failingUntil) log.error({ err: error }, 'rate limit: Redis failed; using this instance\'s own budgets for now');
      failingUntil = Date.now() + FALLBACK_MS;
      return null;
    }
  }

  return {
    async take(key, points) {
      const result = await run(key, points, 'take');
      if (!result) return fallback.take(key, points);
      const status = throttleStatus(settings, result.tokens);
      return result.granted ? { granted: true, status } : { granted: false, status, retryAfterSeconds: secondsUntil(settings, result.tokens, points) };
    },
    async adjust(key, points): Promise<ThrottleStatus> {
      const result = await run(key, points, 'adjust');
      return result ? throttleStatus(settings, result.tokens) : fallback.adjust(key, points);
    },
    async peek(key) {
      const result = await run(key, 0, 'peek');
      return result ? throttleStatus(settings, result.tokens) : fallback.peek(key);
    },
    async close() {
      await fallback.close();
    },
  };
}
