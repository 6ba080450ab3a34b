import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { PrismaClient } from '../generated/prisma/client';
import { ApiKeyLimitOverrides, effectiveKeyLimits, RateLimits } from '../identity/api-keys/api-key-limits';
import { requestLogKey, streamLeasesKey, type LimitScope, type RateLimitSubject } from './rate-limit-subject';

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX_ENTRIES = 10_000;

/** A limit and the Redis key it is counted in. */
export interface CountedLimit {
  scope: LimitScope;
  limit: number;
  key: string;
}

export interface SubjectLimits {
  /** The request log a request counts in; null when requests are not limited. */
  requests: CountedLimit | null;
  /** The stream slot sets a stream takes a lease in: the user's, and the key's too when one was used; limited ones only. */
  streams: CountedLimit[];
}

/**
 * The limits in force for a caller: the deployment's defaults, lowered by the API key's own limits
 * when the caller used a key. A key's limits never change after creation, so each replica caches them
 * (bounded; entries expire so keys no longer in use drop out).
 */
@Injectable()
export class RateLimitPolicy {
  private readonly logger = new Logger(RateLimitPolicy.name);
  private readonly keyOverrides = new Map<string, { overrides: ApiKeyLimitOverrides; until: number }>();
  readonly defaults: RateLimits;
  /** The sliding window the request limit counts over. */
  readonly requestWindowMs: number;

  constructor(
    @InjectConfig() config: GatewayConfig,
    private readonly prisma: PrismaClient,
  ) {
    this.defaults = {
      requestsPerMinute: config.RATE_LIMIT_REQUESTS_PER_MINUTE,
      concurrentStreams: config.RATE_LIMIT_CONCURRENT_STREAMS,
    };
    this.requestWindowMs = config.RATE_LIMIT_WINDOW_MS;
  }

  /** Null for a caller that is not a user: nothing is counted for it. */
  async limitsFor(subject: RateLimitSubject): Promise<SubjectLimits | null> {
    const userId = subject.userId;
    if (!userId) return null;
    const apiKeyId = subject.apiKeyId;
    const userStreams = { scope: 'user', limit: this.defaults.concurrentStreams } as const;
    if (!apiKeyId) {
      return countedIn(userId, null, { scope: 'user', limit: this.defaults.requestsPerMinute }, [
        userStreams,
      ]);
    }
    const key = effectiveKeyLimits(this.defaults, await this.overridesOf(apiKeyId));
    return countedIn(userId, apiKeyId, { scope: 'api-key', limit: key.requestsPerMinute }, [
      userStreams,
      { scope: 'api-key', limit: key.concurrentStreams },
    ]);
  }

  private async overridesOf(apiKeyId: string): Promise<ApiKeyLimitOverrides> {
    const now = Date.now();
    const cached = this.keyOverrides.get(apiKeyId);
    if (cached && cached.until > now) return cached.overrides;
    let overrides: ApiKeyLimitOverrides;
    try {
      overrides =
        (await this.prisma.apiKey.findUnique({
          where: { id: apiKeyId },
          select: { requestsPerMinute: true, concurrentStreams: true },
        })) ?? {};
    } catch (error) {
      // The key authenticated a moment ago; without its row the defaults, which it may not exceed, apply.
      this.logger.warn(
        `cannot read the limits of API key ${apiKeyId}, applying the defaults: ${String(error)}`,
      );
      return {};
    }
    this.keyOverrides.delete(apiKeyId);
    if (this.keyOverrides.size >= CACHE_MAX_ENTRIES) {
      const oldest = this.keyOverrides.keys().next();
      if (!oldest.done) this.keyOverrides.delete(oldest.value);
    }
    this.keyOverrides.set(apiKeyId, { overrides, until: now + CACHE_TTL_MS });
    return overrides;
  }
}

/** Where each limit is counted; a limit of 0 is off and counted nowhere. */
function countedIn(
  userId: string,
  apiKeyId: string | null,
  requests: { scope: LimitScope; limit: number },
  streams: { scope: LimitScope; limit: number }[],
): SubjectLimits {
  return {
    requests:
      requests.limit > 0
        ? { ...requests, key: requestLogKey(userId, requests.scope === 'api-key' ? apiKeyId : null) }
        : null,
    streams: streams
      .filter((s) => s.limit > 0)
      .map((s) => ({ ...s, key: streamLeasesKey(userId, s.scope, apiKeyId) })),
  };
}
