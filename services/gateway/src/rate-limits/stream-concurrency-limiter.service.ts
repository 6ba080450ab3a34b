import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { FailOpenReporter, REDIS_TIMEOUT_MS } from './fail-open';
import { RateLimitPolicy } from './rate-limit-policy.service';
import type { RateLimitSubject } from './rate-limit-subject';
import { tooManyStreams } from './rate-limited.error';
import { InjectConfig, REDIS, withTimeout } from '@conduit/service-kit';
import { ACQUIRE_LEASE_SCRIPT, RELEASE_LEASE_SCRIPT, RENEW_LEASE_SCRIPT } from './stream-leases';

/** A stream's slot. `release` may be called any number of times; only the first does anything. */
export interface StreamLease {
  release(): void;
}

export const NO_LEASE: StreamLease = { release: () => undefined };

/**
 * Streams in flight per user and per API key, counted in Redis for every replica. Each stream holds a
 * lease in its user's set (and its key's, when it came with one) that expires after
 * RATE_LIMIT_STREAM_LEASE_TTL_MS unless renewed; this replica renews all its leases in one sweep every
 * third of that, so the slots of a replica that crashed come free within one TTL.
 */
@Injectable()
export class StreamConcurrencyLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(StreamConcurrencyLimiter.name);
  private readonly failOpen = new FailOpenReporter(this.logger, 'concurrent stream limit');
  /** Lease id → the sets it is counted in. */
  private readonly held = new Map<string, string[]>();
  /** How long a lease lives unless renewed. */
  readonly ttlMs: number;
  private renewal: NodeJS.Timeout | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly policy: RateLimitPolicy,
    @InjectConfig() config: GatewayConfig,
  ) {
    this.ttlMs = config.RATE_LIMIT_STREAM_LEASE_TTL_MS;
  }

  /**
   * Takes a slot for a stream about to be relayed, or throws RATE_LIMITED when the user or key has no
   * slot free. Fails open: without Redis the stream runs uncounted. (A new stream takes its slot in its
   * admission, with {@link hold}.)
   */
  async acquire(subject: RateLimitSubject): Promise<StreamLease> {
    const sets = (await this.policy.limitsFor(subject))?.streams ?? [];
    if (sets.length === 0) return NO_LEASE;
    const keys = sets.map((s) => s.key);
    const leaseId = randomUUID();
    let full: number;
    try {
      full = Number(
        await withTimeout(
          ACQUIRE_LEASE_SCRIPT.run(this.redis, keys, [leaseId, this.ttlMs, ...sets.map((s) => s.limit)]),
          REDIS_TIMEOUT_MS,
          'the concurrent stream limit check',
        ),
      );
    } catch (error) {
      // Had the script run after all, its lease simply expires: nothing here renews it.
      this.failOpen.report(error);
      return NO_LEASE;
    }
    const refusedBy = sets[full - 1];
    if (refusedBy) throw tooManyStreams(refusedBy.scope, refusedBy.limit);
    return this.hold(leaseId, keys);
  }

  /**
   * Renews, until it is released, a lease already taken in `keys` (by {@link acquire}, or by a script
   * that takes it along with other work).
   */
  hold(leaseId: string, keys: string[]): StreamLease {
    if (keys.length === 0) return NO_LEASE;
    this.held.set(leaseId, keys);
    this.startRenewing();
    return { release: () => void this.release(leaseId) };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopRenewing();
    // Streams were drained before this; whatever is left is let go, or expires if Redis is gone already.
    await Promise.all([...this.held.keys()].map((leaseId) => this.release(leaseId)));
  }

  private async release(leaseId: string): Promise<void> {
    const keys = this.held.get(leaseId);
    if (!keys) return;
    this.held.delete(leaseId);
    if (this.held.size === 0) this.stopRenewing();
    try {
      await withTimeout(
        RELEASE_LEASE_SCRIPT.run(this.redis, keys, [leaseId]),
        REDIS_TIMEOUT_MS,
        'releasing a stream slot',
      );
    } catch (error) {
      this.logger.warn(
        `could not release a stream slot, it expires within ${this.ttlMs} ms: ${String(error)}`,
      );
    }
  }

  private startRenewing(): void {
    if (this.renewal) return;
    this.renewal = setInterval(() => void this.renewAll(), Math.max(250, Math.floor(this.ttlMs / 3)));
    this.renewal.unref();
  }

  private stopRenewing(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
  }

  private async renewAll(): Promise<void> {
    const leases = [...this.held];
    const results = await Promise.allSettled(
      leases.map(([leaseId, keys]) =>
        withTimeout(
          RENEW_LEASE_SCRIPT.run(this.redis, keys, [leaseId, this.ttlMs]),
          REDIS_TIMEOUT_MS,
          'renewing stream slots',
        ),
      ),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) this.failOpen.report(failure.reason);
    // A lease released while its renewal was under way is gone on purpose, not lost.
    const lost = leases.filter(([leaseId], i) => {
      const result = results[i];
      return result?.status === 'fulfilled' && Number(result.value) > 0 && this.held.has(leaseId);
    }).length;
    if (lost > 0) {
      this.logger.warn(
        `${lost} stream slot(s) expired before they could be renewed; those streams run uncounted`,
      );
    }
  }
}
