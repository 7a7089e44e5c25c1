// A cost budget per client: a token bucket that holds up to `capacity`
// points and refills continuously at `restoreRate` points per second (the
// model of Shopify's `throttleStatus`). A request takes its requested cost up
// front; when it has run, the difference to its actual cost is given back (or
// taken). A bucket never holds fewer than 0 points nor more than `capacity`.

export interface BucketSettings {
  capacity: number;
  /** Points per second. */
  restoreRate: number;
}

/** What `extensions.cost.throttleStatus` reports: whole points, rounded down. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export type TakeResult = { granted: true; status: ThrottleStatus } | { granted: false; status: ThrottleStatus; retryAfterSeconds: number };

export interface CostBudget {
  /** Takes `points` from `key`'s bucket when it holds that many; otherwise takes nothing and says when it will. */
  take(key: string, points: number): Promise<TakeResult>;
  /** Gives `points` back (negative: takes them), within 0 and the capacity. */
  adjust(key: string, points: number): Promise<ThrottleStatus>;
  /** The bucket as it is now, unchanged. */
  peek(key: string): Promise<ThrottleStatus>;
  close(): Promise<void>;
}

/** Buckets held in memory before full ones are forgotten (a full bucket and no bucket are the same). */
const MAX_MEMORY_BUCKETS = 100_000;

export function throttleStatus(settings: BucketSettings, tokens: number): ThrottleStatus {
  return { maximumAvailable: settings.capacity, currentlyAvailable: Math.floor(tokens), restoreRate: settings.restoreRate };
}

/** Whole seconds until a bucket holding `tokens` holds `points` (at least 1). */
export function secondsUntil(settings: BucketSettings, tokens: number, points: number): number {
  return Math.max(1, Math.ceil((points - tokens) / settings.restoreRate));
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
}

/**
 * Buckets in this process only: each gateway instance keeps its own, so with
 * several instances a client gets one budget per instance (use Redis to share
 * them). Memory is bounded: past MAX_MEMORY_BUCKETS, full buckets are dropped,
 * then the least recently used ones.
 */
export function createMemoryBudget(settings: BucketSettings, now: () => number = () => performance.now()): CostBudget {
  const buckets = new Map<string, Bucket>();

  const current = (key: string): Bucket => {
    const time = now();
    const bucket = buckets.get(key);
    if (!bucket) return { tokens: settings.capacity, at: time };
    const elapsed = Math.max(0, time - bucket.at);
    return { tokens: Math.min(settings.capacity, bucket.tokens + (elapsed * settings.restoreRate) / 1000), at: time };
  };

  const store = (key: string, bucket: Bucket) => {
    // Re-inserted, so the map's order is least recently used first.
    buckets.delete(key);
    if (bucket.tokens >= settings.capacity) return;
    buckets.set(key, bucket);
    if (buckets.size > MAX_MEMORY_BUCKETS) evict();
  };

  const evict = () => {
    for (const key of [...buckets.keys()]) {
      if (current(key).tokens >= settings.capacity) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size <= MAX_MEMORY_BUCKETS * 0.9) break;
      buckets.delete(key);
    }
  };

  return {
    async take(key, points) {
      const bucket = current(key);
      if (bucket.tokens < points) {
        return { granted: false, status: throttleStatus(settings, bucket.tokens), retryAfterSeconds: secondsUntil(settings, bucket.tokens, points) };
      }
      bucket.tokens -= points;
      store(key, bucket);
      return { granted: true, status: throttleStatus(settings, bucket.tokens) };
    },
    async adjust(key, points) {
      const bucket = current(key);
      bucket.tokens = Math.max(0, Math.min(settings.capacity, bucket.tokens + points));
      store(key, bucket);
      return throttleStatus(settings, bucket.tokens);
    },
    async peek(key) {
      return throttleStatus(settings, current(key).tokens);
    },
    async close() {
      buckets.clear();
    },
  };
}
