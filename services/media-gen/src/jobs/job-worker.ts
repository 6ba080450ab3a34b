import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, consumeDurableEventBatches, type DurableBatchConsumption } from '@conduit/bus';
import { MEDIA_GEN_WORKER_CONSUMER, MediaGenContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { JobRunner } from './job-runner';
import { RunningJobs } from './running-jobs';

/**
 * Takes accepted jobs from the durable job stream through the pull consumer every replica shares, up to
 * MEDIA_WORKER_CONCURRENCY at once, each acknowledged only once its result is stored (or it failed for
 * good). A job whose worker dies is delivered again once its acknowledgement deadline passes.
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobWorker.name);
  private consumption: DurableBatchConsumption | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly runner: JobRunner,
    private readonly running: RunningJobs,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MEDIA_WORKER_ENABLED) return;
    this.consumption = await consumeDurableEventBatches(
      this.bus,
      MediaGenContract.jobAccepted,
      MEDIA_GEN_WORKER_CONSUMER,
      // One job's failure is its own: each settles its delivery, and nothing here throws.
      async (batch) => {
        await Promise.all(
          batch.map((delivery) =>
            this.runner.run(delivery).catch((error: unknown) => {
              this.logger.error(`job ${delivery.payload.jobId} broke the worker: ${String(error)}`);
              delivery.retry();
            }),
          ),
        );
      },
      {
        maxBatch: this.config.MEDIA_WORKER_CONCURRENCY,
        lingerMs: 5,
        ackWaitMs: this.config.MEDIA_JOB_ACK_WAIT_MS,
        retryDelayMs: (attempt) => this.runner.retryDelayMs(attempt, null),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.running.stopAll();
    await this.consumption?.stop();
  }
}
