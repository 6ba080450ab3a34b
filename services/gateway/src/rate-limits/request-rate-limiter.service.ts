import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { FailOpenReporter, REDIS_TIMEOUT_MS } from './fail-open';
import { RateLimitPolicy } from './rate-limit-policy.service';
import type { RateLimitSubject } from './rate-limit-subject';
import { tooManyRequests } from './rate-limited.error';
import { decide, parseWindowReply, REQUEST_WINDOW_SCRIPT, type RequestDecision } from './request-window';
import { REDIS, withTimeout } from '@conduit/service-kit';

/**
 * Requests per window, per API key (or per user without one), counted in Redis for every replica at
 * once. Requests that start a stream are counted by the stream admission instead, together with the
 * stream's slot.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly failOpen = new FailOpenReporter(new Logger(RequestRateLimiter.name), 'request rate limit');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly policy: RateLimitPolicy,
  ) {}

  /**
   * Counts one request and says whether it may proceed. Null when no limit applies: the limit is off,
   * the caller is not a user, or Redis could not be asked (fail open, see {@link FailOpenReporter}).
   */
  async check(subject: RateLimitSubject): Promise<RequestDecision | null> {
    const requests = (await this.policy.limitsFor(subject))?.requests;
    if (!requests) return null;
    const windowMs = this.policy.requestWindowMs;
    try {
      const reply = await withTimeout(
        REQUEST_WINDOW_SCRIPT.run(this.redis, [requests.key], [requests.limit, windowMs, randomUUID()]),
        REDIS_TIMEOUT_MS,
        'the request rate limit check',
      );
      return decide(parseWindowReply(reply), requests.limit, windowMs, requests.scope);
    } catch (error) {
      this.failOpen.report(error);
      return null;
    }
  }

  /** {@link check}, throwing RATE_LIMITED (429 with Retry-After) when the request is refused. */
  async enforce(subject: RateLimitSubject): Promise<RequestDecision | null> {
    const decision = await this.check(subject);
    if (decision && !decision.allowed) throw refusal(decision);
    return decision;
  }
}

export function refusal(decision: RequestDecision) {
  return tooManyRequests(
    decision.scope,
    decision.limit,
    decision.windowMs,
    decision.retryAfterMs ?? decision.resetMs,
  );
}
