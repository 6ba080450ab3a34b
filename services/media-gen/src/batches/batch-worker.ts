import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, consumeDurableEventBatches, type DurableBatchConsumption } from '@conduit/bus';
import { MEDIA_GEN_BATCH_WORKER_CONSUMER, MediaBatchContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { BatchRunner } from './batch-runner';
import { RunningBatches } from './running-batches';

/**
 * Takes accepted batches from the durable batch stream through the pull consumer every replica shares,
 * up to MEDIA_BATCH_WORKER_CONCURRENCY at once, each acknowledged only once it is final. A batch whose
 * worker dies is delivered again once its acknowledgement deadline passes, and resumes.
 */
@Injectable()
export class BatchWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BatchWorker.name);
  private consumption: DurableBatchConsumption | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly runner: BatchRunner,
    private readonly running: RunningBatches,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MEDIA_WORKER_ENABLED) return;
    this.consumption = await consumeDurableEventBatches(
      this.bus,
      MediaBatchContract.batchAccepted,
      MEDIA_GEN_BATCH_WORKER_CONSUMER,
      async (deliveries) => {
        await Promise.all(
          deliveries.map((delivery) =>
            this.runner.run(delivery).catch((error: unknown) => {
              this.logger.error(`batch ${delivery.payload.batchId} broke the worker: ${String(error)}`);
              delivery.retry();
            }),
          ),
        );
      },
      {
        maxBatch: this.config.MEDIA_BATCH_WORKER_CONCURRENCY,
        lingerMs: 5,
        ackWaitMs: this.config.MEDIA_JOB_ACK_WAIT_MS,
        retryDelayMs: (attempt) =>
          Math.min(
            this.config.MEDIA_JOB_RETRY_MAX_MS,
            this.config.MEDIA_JOB_RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 20),
          ),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.running.stopAll();
    await this.consumption?.stop();
  }
}
