import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, DurableWorker } from '@conduit/bus';
import { MEDIA_GEN_WORKER_CONSUMER, MediaGenContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { JobRunner } from './job-runner';
import { RunningJobs } from './running-jobs';

/**
 * Takes accepted jobs from the durable job stream through the pull consumer every replica shares, up to
 * MEDIA_WORKER_CONCURRENCY at once, each acknowledged only once its result is stored (or it failed for
 * good). A job whose worker dies is delivered again once its acknowledgement deadline passes; past
 * MEDIA_JOB_MAX_ATTEMPTS deliveries it fails for good.
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: DurableWorker<typeof MediaGenContract.jobAccepted> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly runner: JobRunner,
    private readonly running: RunningJobs,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MEDIA_WORKER_ENABLED) return;
    this.worker = await DurableWorker.each(
      this.bus,
      MediaGenContract.jobAccepted,
      {
        consumer: MEDIA_GEN_WORKER_CONSUMER,
        concurrency: this.config.MEDIA_WORKER_CONCURRENCY,
        ackWaitMs: this.config.MEDIA_JOB_ACK_WAIT_MS,
        retryDelayMs: (attempt) => this.runner.retryDelayMs(attempt, null),
        maxAttempts: this.config.MEDIA_JOB_MAX_ATTEMPTS,
        onExhausted: (delivery) => this.runner.giveUp(delivery),
      },
      (delivery) => this.runner.run(delivery),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Running jobs go back to the stream at once (retry without delay), for another replica to take.
    this.running.stopAll();
    await this.worker?.stop();
  }
}
