import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import { AnswerLeaseRepository } from '../sessions/answer-lease.repository';

/**
 * Keeps the leases of the answers this replica generates, renewing them all on one timer whether or not
 * their text changes: a model may think for a long time before its first token.
 */
@Injectable()
export class AnswerLeaseKeeper implements OnApplicationShutdown {
  private readonly logger = new Logger(AnswerLeaseKeeper.name);
  private readonly held = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly leases: AnswerLeaseRepository,
    @InjectConfig() private readonly config: ChatConfig,
  ) {
    // Four renewals per lease: one slow or failed renewal does not lose it.
    this.timer = setInterval(() => void this.renew(), Math.max(50, config.STALE_STREAM_AFTER_MS / 4));
    this.timer.unref();
  }

  /** Renews the answer's lease (taken when it was stored) until the returned release is called. */
  hold(messageId: string): () => void {
    this.held.add(messageId);
    return () => this.held.delete(messageId);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    try {
      await this.leases.renew([...this.held], this.config.STALE_STREAM_AFTER_MS);
    } catch (error) {
      this.logger.warn(`could not renew ${this.held.size} answer lease(s): ${String(error)}`);
    } finally {
      this.renewing = false;
    }
  }
}
