import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';

export interface LimiterOptions {
  /** Names the counter in Redis (under the service's key prefix). */
  keyPrefix: string;
  points: number;
  /** Seconds a count lasts from its first point. */
  duration: number;
}

/** How long a check waits for Redis before this replica's own count decides instead. */
const REDIS_TIMEOUT_MS = 500;

/**
 * A limiter counted in Redis for every replica. When Redis is down or slow, each replica counts on its
 * own in memory with the same settings: what is limited (password guesses, phone calls) is never left
 * unlimited, and a Redis outage does not stop anyone.
 */
export function sharedLimiter(redis: Redis, options: LimiterOptions): RLWrapperTimeouts {
  const limiter = new RateLimiterRedis({
    ...options,
    storeClient: redis,
    insuranceLimiter: new RateLimiterMemory(options),
  });
  return new RLWrapperTimeouts({ limiter, timeoutMs: REDIS_TIMEOUT_MS });
}
