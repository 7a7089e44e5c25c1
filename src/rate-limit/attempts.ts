import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

// Attempts at signing in (login, register, refreshSession) are counted in
// fixed windows per account and per network address, the way
// rate-limiter-flexible counts: N attempts per window, the count starting
// afresh when the window that the first attempt opened ends. Unlike the cost
// budget this is a plain count, which is what guessing passwords is about.

export interface AttemptSettings {
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
}

/** The attempts of one request: the address they came from, and the account each one is at (an email, or a refresh token's hash). */
export interface Attempts {
  address: string;
  accounts: readonly string[];
}

export type AttemptResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface AttemptLimiter {
  /** Counts the attempts against their address and their accounts; refused when any of these is over its limit. */
  attempt(attempts: Attempts): Promise<AttemptResult>;
}

/**
 * In memory, or in Redis under `prefix` when a connection is given (then
 * every instance counts into the same windows; while Redis fails, each
 * instance counts in memory instead).
 */
export function createAttemptLimiter(settings: AttemptSettings, prefix: string, redis?: Redis): AttemptLimiter {
  const limiter = (name: string, points: number): RateLimiterAbstract => {
    const options = { keyPrefix: `${prefix}signin:${name}`, points, duration: settings.windowSeconds };
    const memory = new RateLimiterMemory(options);
    return redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory;
  };
  const accounts = limiter('account', settings.perAccount);
  const addresses = limiter('address', settings.perAddress);

  const consume = async (target: RateLimiterAbstract, key: string, count: number): Promise<number> => {
    try {
      await target.consume(key, count);
      return 0;
    } catch (refusal) {
      // A refusal is a RateLimiterRes; anything else is a store failure the insurance limiter did not absorb.
      if (refusal instanceof RateLimiterRes) return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw refusal;
    }
  };

  return {
    async attempt({ address, accounts: targets }) {
      // The address first: an address over its limit adds no account keys, however many emails it tries.
      const addressWait = await consume(addresses, address, targets.length);
      if (addressWait > 0) return { allowed: false, retryAfterSeconds: addressWait };
      const perAccount = new Map<string, number>();
      for (const account of targets) perAccount.set(account, (perAccount.get(account) ?? 0) + 1);
      const waits = await Promise.all([...perAccount].map(([account, count]) => consume(accounts, account, count)));
      const retryAfterSeconds = Math.max(0, ...waits);
      return retryAfterSeconds > 0 ? { allowed: false, retryAfterSeconds } : { allowed: true };
    },
  };
}
