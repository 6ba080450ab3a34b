import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import { RefreshTokenRepository } from './refresh-token.repository';

/** Batches one run deletes at most; a backlog beyond that waits for the next run rather than hog the database. */
const MAX_BATCHES_PER_RUN = 100;

export interface PruneOutcome {
  deleted: number;
  /** Another replica held the prune's lock, so this one left the work to it. */
  skipped: boolean;
}

/**
 * Refresh tokens are kept after use (a spent token presented again reveals a stolen one) and after
 * logout, so without pruning the table only grows. Every REFRESH_TOKEN_PRUNE_INTERVAL_MS, and once at
 * start, one replica deletes the tokens that can never be used again, in batches of
 * REFRESH_TOKEN_PRUNE_BATCH_SIZE (each its own short transaction).
 */
@Injectable()
export class RefreshTokenPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RefreshTokenPruner.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    @InjectConfig() private readonly config: GatewayConfig,
    private readonly tokens: RefreshTokenRepository,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.REFRESH_TOKEN_PRUNE_INTERVAL_MS;
    if (interval === 0) return;
    this.timer = setInterval(() => this.pruneInBackground(), interval);
    this.timer.unref();
    this.pruneInBackground();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One run: batches until nothing is left (or MAX_BATCHES_PER_RUN), unless another replica is at it. */
  async pruneNow(): Promise<PruneOutcome> {
    let deleted = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const count = await this.tokens.deleteDeadTokens(this.config.REFRESH_TOKEN_PRUNE_BATCH_SIZE);
      if (count === null) return { deleted, skipped: deleted === 0 };
      deleted += count;
      if (count === 0) break;
    }
    return { deleted, skipped: false };
  }

  private pruneInBackground(): void {
    if (this.running) return;
    this.running = this.pruneNow()
      .then(({ deleted }) => {
        if (deleted > 0) this.logger.log(`pruned ${deleted} expired or revoked refresh tokens`);
      })
      .catch((error: unknown) => this.logger.warn(`refresh token prune failed: ${String(error)}`))
      .finally(() => {
        this.running = null;
      });
  }
}
