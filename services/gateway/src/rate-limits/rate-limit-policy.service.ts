import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../gateway-config.token';
import { PrismaService } from '../infra/prisma.service';
import { ApiKeyLimitOverrides, effectiveKeyLimits, RateLimits } from './rate-limit-policy';
import type { LimitScope, RateLimitSubject } from './rate-limit-subject';

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX_ENTRIES = 10_000;

export interface SubjectLimits {
  /** Whose request log a request counts in. */
  requestScope: LimitScope;
  requestsPerMinute: number;
  /** Stream slots counted for this caller: always the user's, and the key's too when one was used. */
  streams: { scope: LimitScope; limit: number }[];
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

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly prisma: PrismaService,
  ) {
    this.defaults = {
      requestsPerMinute: config.RATE_LIMIT_REQUESTS_PER_MINUTE,
      concurrentStreams: config.RATE_LIMIT_CONCURRENT_STREAMS,
    };
  }

  async limitsFor(subject: RateLimitSubject): Promise<SubjectLimits> {
    if (!subject.apiKeyId) {
      return {
        requestScope: 'user',
        requestsPerMinute: this.defaults.requestsPerMinute,
        streams: [{ scope: 'user', limit: this.defaults.concurrentStreams }],
      };
    }
    const key = effectiveKeyLimits(this.defaults, await this.overridesOf(subject.apiKeyId));
    return {
      requestScope: 'api-key',
      requestsPerMinute: key.requestsPerMinute,
      streams: [
        { scope: 'user', limit: this.defaults.concurrentStreams },
        { scope: 'api-key', limit: key.concurrentStreams },
      ],
    };
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
