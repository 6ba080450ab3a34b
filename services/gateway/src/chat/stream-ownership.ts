import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../gateway-config.token';
import { REDIS } from '../infra/redis.module';

/**
 * Remembers whose each stream is, for as long as its events are kept, so that only its owner can
 * resume it from any gateway replica. A stream whose owner is unknown cannot be resumed at all.
 */
@Injectable()
export class StreamOwnership {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Never throws: losing the record only costs the owner the ability to resume. */
  async record(streamId: string, userId: string): Promise<void> {
    await this.redis
      .set(ownerKey(streamId), userId, 'PX', this.config.STREAM_RETENTION_MS)
      .catch(() => undefined);
  }

  async isOwner(streamId: string, userId: string): Promise<boolean> {
    return (await this.redis.get(ownerKey(streamId))) === userId;
  }
}

const ownerKey = (streamId: string) => `stream-owner:${streamId}`;
