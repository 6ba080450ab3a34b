import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
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
    await this.withRedis(() => this.redis.set(keyOf(state), JSON.stringify(pending), 'PX', this.ttlMs, 'NX'));
  }

  async take(state: string): Promise<PendingAuthorization | null> {
    const value = await this.withRedis(() => this.redis.getdel(keyOf(state)));
    return value === null ? null : (JSON.parse(value) as PendingAuthorization);
  }

  /**
   * Runs a command once Redis is connected: the connection is made in the background at start (commands
   * are not queued), so the first requests may come before it is up. Redis down: connecting an account is
   * unavailable for now (503); the rest of the service goes on.
   */
  private async withRedis<T>(command: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status !== 'ready')
        await once(this.redis, 'ready', { signal: AbortSignal.timeout(REDIS_WAIT_MS) });
      return await command();
    } catch (error) {
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        `Connecting accounts is unavailable right now: ${(error as Error).message}`,
      );
    }
  }
}

/** How long a request waits for Redis to connect before it is answered 503. */
const REDIS_WAIT_MS = 3_000;

const keyOf = (state: string) =>
  `agents:connector-state:${createHash('sha256').update(state).digest('base64url')}`;
