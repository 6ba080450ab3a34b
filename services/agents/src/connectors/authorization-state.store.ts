import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { DomainError, ErrorCode, type ConnectorProvider } from '@conduit/contracts';
import { InjectConfig, REDIS } from '@conduit/service-kit';
import type { ConnectorsConfig } from './connectors-config';

/** An authorization under way: whose, for which provider, and the PKCE verifier its code needs. */
export interface PendingAuthorization {
  readonly userId: string;
  readonly provider: ConnectorProvider;
  readonly codeVerifier: string;
  readonly redirectUri: string;
}

/**
 * `state` values in Redis: each expires after CONNECTORS_STATE_TTL_MS and is taken at most once (GETDEL),
 * whoever presents it, so a state seen by anyone else is spent. Keyed by the state's hash; the verifier is
 * kept for the few minutes the flow takes and is worthless without the provider's code.
 */
@Injectable()
export class AuthorizationStateStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectConfig() private readonly config: ConnectorsConfig,
  ) {}

  get ttlMs(): number {
    return this.config.CONNECTORS_STATE_TTL_MS;
  }

  async save(state: string, pending: PendingAuthorization): Promise<void> {
    await unavailableWithoutRedis(
      this.redis.set(keyOf(state), JSON.stringify(pending), 'PX', this.ttlMs, 'NX'),
    );
  }

  async take(state: string): Promise<PendingAuthorization | null> {
    const value = await unavailableWithoutRedis(this.redis.getdel(keyOf(state)));
    return value === null ? null : (JSON.parse(value) as PendingAuthorization);
  }
}

/** Redis down: connecting an account waits for it (503), the rest of the service goes on. */
async function unavailableWithoutRedis<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new DomainError(
      ErrorCode.ServiceUnavailable,
      `Connecting accounts is unavailable right now: ${(error as Error).message}`,
    );
  }
}

const keyOf = (state: string) =>
  `agents:connector-state:${createHash('sha256').update(state).digest('base64url')}`;
