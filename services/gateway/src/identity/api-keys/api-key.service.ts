import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import type { ApiKey } from '../../generated/prisma/client';
import { assertKeyLimitsAllowed } from './api-key-limits';
import type { Principal } from '../principal';
import { hashSecret } from '../secret-token';
import { ApiKeyCache } from './api-key-cache.service';
import { ApiKeyRevocations } from './api-key-revocations';
import { isWellFormedApiKey, newApiKey } from './api-key-format';
import { ApiKeyRepository } from './api-key.repository';
import type { ApiKeyLimits, ApiKeyView, CreatedApiKey } from './api-key.schemas';

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly cache: ApiKeyCache,
    private readonly revocations: ApiKeyRevocations,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  async create(userId: string, name: string, limits: ApiKeyLimits = {}): Promise<CreatedApiKey> {
    assertKeyLimitsAllowed(limits, {
      requestsPerMinute: this.config.RATE_LIMIT_REQUESTS_PER_MINUTE,
      concurrentStreams: this.config.RATE_LIMIT_CONCURRENT_STREAMS,
    });
    const { key, displayPrefix } = newApiKey();
    const record = await this.keys.create({
      userId,
      name,
      displayPrefix,
      keyHash: hashSecret(key),
      ...limits,
    });
    const { lastUsedAt: _lastUsedAt, ...view } = toView(record);
    return { ...view, key };
  }

  async list(userId: string): Promise<ApiKeyView[]> {
    return (await this.keys.listActive(userId)).map(toView);
  }

  async revoke(userId: string, id: string): Promise<void> {
    const record = await this.keys.findActiveOwned(id, userId);
    if (!record) throw new DomainError(ErrorCode.NotFound, 'No such API key');
    // Cache first: if Redis cannot take the tombstone the key stays valid and the caller is told so.
    await this.cache.markRevoked(record.keyHash);
    await this.keys.revoke(record.id, new Date());
    await this.revocations.announce(record.id);
  }

  /** The principal an active key stands for, or null. */
  async principalFor(key: string): Promise<Principal | null> {
    if (!isWellFormedApiKey(key)) return null;
    const keyHash = hashSecret(key);
    const cached = await this.cache.get(keyHash);
    if (cached !== undefined) return cached && { userId: cached.userId, apiKeyId: cached.apiKeyId };
    const record = await this.keys.findActiveByHash(keyHash);
    if (!record) return null;
    // Recorded on cache misses only, so last-used is accurate to the cache lifetime without a write per request.
    await this.keys.touch(record.id, new Date());
    await this.cache.remember(keyHash, { apiKeyId: record.id, userId: record.userId });
    return { userId: record.userId, apiKeyId: record.id };
  }
}

function toView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    displayPrefix: key.displayPrefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    limits: { requestsPerMinute: key.requestsPerMinute, concurrentStreams: key.concurrentStreams },
  };
}
