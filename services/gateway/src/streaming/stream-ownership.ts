import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { InjectConfig, REDIS } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';

/** Whose a stream is, and which contract's stream it is (so it can be resumed knowing only its id). */
export interface StreamOwner {
  userId: string;
  /** The stream definition's name, e.g. `chat.completion`. */
  stream: string;
}

/**
 * Remembers whose each stream is, for as long as its events are kept, so that only its owner can
 * resume or cancel it from any gateway replica. A stream whose owner is unknown cannot be resumed at
 * all. The owner is recorded when the stream is admitted (see `StreamAdmission`), with
 * {@link RECORD_OWNER_LUA}.
 */
@Injectable()
export class StreamOwnership {
  /** How long an owner is remembered: as long as the stream's events are kept. */
  readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectConfig() config: GatewayConfig,
  ) {
    this.ttlMs = config.STREAM_RETENTION_MS;
  }

  /** The stream's owner record, or null when it is unknown, expired, or not `userId`'s. */
  async ownedBy(streamId: string, userId: string | null): Promise<StreamOwner | null> {
    if (!userId) return null;
    const owner = parseOwner(await this.redis.get(streamOwnerKey(streamId)));
    return owner?.userId === userId ? owner : null;
  }
}

export const streamOwnerKey = (streamId: string) => `stream-owner:${streamId}`;

export function serializeOwner(owner: StreamOwner): string {
  return JSON.stringify(owner);
}

function parseOwner(value: string | null): StreamOwner | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as Partial<StreamOwner>;
    return typeof parsed.userId === 'string' && typeof parsed.stream === 'string'
      ? { userId: parsed.userId, stream: parsed.stream }
      : null;
  } catch {
    return null; // a record from before streams were told apart by contract
  }
}

/** Lua defining `record_owner(key, owner, ttl_ms)`, for a script that records the owner along with other work. */
export const RECORD_OWNER_LUA = `
local function record_owner(key, owner, ttl)
  redis.call('SET', key, owner, 'PX', ttl)
end
`;
