import type { LimitScope } from './rate-limit-subject';
import { RedisScript } from '@conduit/service-kit';
import { REDIS_NOW_LUA } from './redis-clock';

/**
 * Sliding-window log: a sorted set per subject holding the time of every request admitted in the last
 * window. A request is admitted only while fewer than `limit` are in it, so no window of that length,
 * wherever it starts, ever holds more than `limit` admitted requests, across every replica (the check
 * and the insert are one script, and the clock is Redis's). Refused requests are not recorded, so a
 * client that keeps retrying does not push its own recovery further away.
 *
 * Lua defining `count_request(key, limit, window_ms, member)` (it reads `now`, see {@link REDIS_NOW_LUA}),
 * which returns { admitted (0|1), count in window (after admitting), now (ms), score of the pivot entry }.
 * The pivot is the entry whose expiry frees the next slot: with `count` entries, once the first
 * `count - limit + 1` have expired only `limit - 1` remain. For an admitted request that is the oldest.
 */
export const COUNT_REQUEST_LUA = `
local function count_request(key, limit, window, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local admitted = 0
  if count < limit then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, window)
    count = count + 1
    admitted = 1
  end
  local pivotIndex = math.max(count - limit, 0)
  local pivot = redis.call('ZRANGE', key, pivotIndex, pivotIndex, 'WITHSCORES')
  return { admitted, count, now, tonumber(pivot[2]) or now }
end
`;

/** KEYS: the request log; ARGV: limit, window ms, a member unique to the request. */
export const REQUEST_WINDOW_SCRIPT = new RedisScript(`${REDIS_NOW_LUA}${COUNT_REQUEST_LUA}
return count_request(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
`);

/** What the script observed, as numbers. */
export interface WindowObservation {
  admitted: boolean;
  /** Requests in the window, this one included when admitted. */
  count: number;
  now: number;
  /** Admission time of the entry whose expiry frees the next slot. */
  pivotAt: number;
}

export interface RequestDecision {
  allowed: boolean;
  scope: LimitScope;
  limit: number;
  windowMs: number;
  remaining: number;
  /** Until one more request would be admitted than now: the pivot's expiry. */
  resetMs: number;
  /** Set when refused: how long until a request would be admitted. */
  retryAfterMs?: number;
}

export function parseWindowReply(reply: unknown): WindowObservation {
  if (!Array.isArray(reply) || reply.length !== 4 || reply.some((n) => typeof n !== 'number')) {
    throw new Error(`unexpected rate limit script reply: ${JSON.stringify(reply)}`);
  }
  const [admitted, count, now, pivotAt] = reply as [number, number, number, number];
  return { admitted: admitted === 1, count, now, pivotAt };
}

export function decide(
  observed: WindowObservation,
  limit: number,
  windowMs: number,
  scope: LimitScope,
): RequestDecision {
  const untilPivotExpires = Math.max(0, observed.pivotAt + windowMs - observed.now);
  if (observed.admitted) {
    return {
      allowed: true,
      scope,
      limit,
      windowMs,
      remaining: Math.max(0, limit - observed.count),
      resetMs: untilPivotExpires,
    };
  }
  const retryAfterMs = Math.max(1, untilPivotExpires);
  return { allowed: false, scope, limit, windowMs, remaining: 0, resetMs: retryAfterMs, retryAfterMs };
}

/**
 * IETF `draft-ietf-httpapi-ratelimit-headers` fields in their widely deployed form: the limit, what
 * is left of it, and seconds until more is available (rounded up, so a client that waits that long
 * is never early), plus the policy (`<limit>;w=<window seconds>`).
 */
export function rateLimitHeaders(decision: RequestDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
    'ratelimit-policy': `${decision.limit};w=${Math.ceil(decision.windowMs / 1000)}`,
  };
}
