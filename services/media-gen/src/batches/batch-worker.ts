import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, DurableWorker } from '@conduit/bus';
import { MEDIA_GEN_BATCH_WORKER_CONSUMER, MediaBatchContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { BatchRunner } from './batch-runner';
import { RunningBatches } from './running-batches';

/**
 * Takes accepted batches from the durable batch stream through the pull consumer every replica shares,
 * up to MEDIA_BATCH_WORKER_CONCURRENCY at once (a slot is taken again as soon as a batch ends, so a long
 * batch does not hold back the next), each acknowledged only once it is final. A batch whose worker dies
 * is delivered again once its acknowledgement deadline passes, and resumes; past MEDIA_JOB_MAX_ATTEMPTS
 * deliveries it fails for good.
 */
@Injectable()
export class BatchWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: DurableWorker<typeof MediaBatchContract.batchAccepted> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly runner: BatchRunner,
    private readonly running: RunningBatches,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MEDIA_WORKER_ENABLED) return;
    this.worker = await DurableWorker.each(
      this.bus,
      MediaBatchContract.batchAccepted,
      {
        consumer: MEDIA_GEN_BATCH_WORKER_CONSUMER,
        concurrency: this.config.MEDIA_BATCH_WORKER_CONCURRENCY,
        ackWaitMs: this.config.MEDIA_JOB_ACK_WAIT_MS,
        retryDelayMs: (attempt) =>
          Math.min(
            this.config.MEDIA_JOB_RETRY_MAX_MS,
            this.config.MEDIA_JOB_RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 20),
          ),
        maxAttempts: this.config.MEDIA_JOB_MAX_ATTEMPTS,
        onExhausted: (delivery) => this.runner.giveUp(delivery),
      },
      (delivery) => this.runner.run(delivery),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Running batches go back to the stream at once (retry without delay), for another replica to take.
    this.running.stopAll();
    await this.worker?.stop();
  }
}
