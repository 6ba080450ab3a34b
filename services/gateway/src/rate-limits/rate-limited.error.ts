import { DomainError, ErrorCode } from '@conduit/contracts';
import type { LimitScope } from './rate-limit-subject';

const WHOSE: Record<LimitScope, string> = { 'api-key': 'this API key', user: 'this account' };

/** 429 with `Retry-After` (the HTTP filter turns `details.retryAfterMs` into the header). */
export function tooManyRequests(scope: LimitScope, limit: number, windowMs: number, retryAfterMs: number) {
  const window = windowMs === 60_000 ? 'minute' : `${windowMs / 1000} s`;
  return new DomainError(
    ErrorCode.RateLimited,
    `Rate limit exceeded: ${limit} requests per ${window} for ${WHOSE[scope]}; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    { rateLimit: 'requests', scope, requestsPerWindow: limit, windowMs, retryAfterMs },
  );
}

/** A slot frees whenever one of the caller's streams ends, which cannot be foreseen: clients retry shortly. */
export const STREAM_SLOT_RETRY_AFTER_MS = 1_000;

export function tooManyStreams(scope: LimitScope, limit: number) {
  return new DomainError(
    ErrorCode.RateLimited,
    `Too many concurrent streams: at most ${limit} may run at once for ${WHOSE[scope]}`,
    {
      rateLimit: 'concurrent-streams',
      scope,
      concurrentStreams: limit,
      retryAfterMs: STREAM_SLOT_RETRY_AFTER_MS,
    },
  );
}
