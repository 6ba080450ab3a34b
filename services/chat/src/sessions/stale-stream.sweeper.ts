import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import { AnswerLeaseRepository } from './answer-lease.repository';

/**
 * Finds answers left `streaming` by a replica that died (their lease ran out: nobody renews it) and
 * marks them interrupted, keeping the text saved so far. Every replica runs it; they skip each other's
 * rows.
 */
@Injectable()
export class StaleStreamSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StaleStreamSweeper.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly leases: AnswerLeaseRepository,
    @InjectConfig() private readonly config: ChatConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), Math.max(1_000, this.config.STALE_STREAM_AFTER_MS / 2));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const interrupted = await this.leases.interruptExpired();
      if (interrupted.length > 0)
        this.logger.warn(`marked ${interrupted.length} abandoned answer(s) as interrupted`);
      return interrupted.length;
    } catch (error) {
      this.logger.error(`stale stream sweep failed: ${String(error)}`);
      return 0;
    }
  }
}
