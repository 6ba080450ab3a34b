import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../gateway-config.token';
import { REDIS } from '../infra/redis.module';

/**
 * Remembers whose each stream is, for as long as its events are kept, so that only its owner can
 * resume it from any gateway replica. A stream whose owner is unknown cannot be resumed at all. The
 * owner is recorded when the stream is admitted (see `StreamAdmission`), with {@link RECORD_OWNER_LUA}.
 */
@Injectable()
export class StreamOwnership {
  /** How long an owner is remembered: as long as the stream's events are kept. */
  readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.ttlMs = config.STREAM_RETENTION_MS;
  }

  async isOwner(streamId: string, userId: string): Promise<boolean> {
    return (await this.redis.get(streamOwnerKey(streamId))) === userId;
  }
}

export const streamOwnerKey = (streamId: string) => `stream-owner:${streamId}`;

/** Lua defining `record_owner(key, user_id, ttl_ms)`, for a script that records the owner along with other work. */
export const RECORD_OWNER_LUA = `
local function record_owner(key, user_id, ttl)
  redis.call('SET', key, user_id, 'PX', ttl)
end
`;
