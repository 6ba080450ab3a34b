import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { REDIS } from '@conduit/service-kit';

export interface CachedApiKey {
  apiKeyId: string;
  userId: string;
}

const TTL_SECONDS = 60;
const REVOKED = 'revoked';

/**
 * Redis cache of key hash → owner, shared by every replica so a revocation takes effect everywhere at once.
 * A revocation writes a tombstone that outlives any entry, and lookups only fill absent entries (NX), so
 * a lookup that read the database just before the revocation cannot bring the key back.
 */
@Injectable()
export class ApiKeyCache {
  private readonly logger = new Logger(ApiKeyCache.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** `undefined` when not cached (or Redis is unreachable: the database then decides), null when revoked. */
  async get(keyHash: string): Promise<CachedApiKey | null | undefined> {
    try {
      const value = await this.redis.get(cacheKey(keyHash));
      if (value === null) return undefined;
      return value === REVOKED ? null : (JSON.parse(value) as CachedApiKey);
    } catch (error) {
      this.logger.warn(`API key cache unavailable, reading the database: ${String(error)}`);
      return undefined;
    }
  }

  async remember(keyHash: string, key: CachedApiKey): Promise<void> {
    try {
      await this.redis.set(cacheKey(keyHash), JSON.stringify(key), 'EX', TTL_SECONDS, 'NX');
    } catch (error) {
      this.logger.warn(`API key cache unavailable, not caching: ${String(error)}`);
    }
  }

  /** Fails while Redis is unreachable: a revocation that other replicas might not see must not be reported done. */
  async markRevoked(keyHash: string): Promise<void> {
    try {
      await this.redis.set(cacheKey(keyHash), REVOKED, 'EX', TTL_SECONDS * 2);
    } catch (error) {
      this.logger.error(`API key cache unavailable, cannot revoke: ${String(error)}`);
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'Cannot revoke API keys right now; try again shortly',
      );
    }
  }
}

function cacheKey(keyHash: string): string {
  return `api-key:${keyHash}`;
}
