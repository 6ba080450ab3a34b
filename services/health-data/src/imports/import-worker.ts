import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, DurableWorker } from '@conduit/bus';
import { HEALTH_IMPORT_CONSUMER, HealthDataContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';
import { ImportRunner } from './import-runner';

/**
 * Takes accepted imports from the durable import stream through the pull consumer every replica
 * shares, up to HEALTH_IMPORT_CONCURRENCY at once, each acknowledged only once it has been ingested
 * (or failed for good). Imports sent while no replica runs wait in the stream and are ingested when one
 * starts; an import whose replica dies is delivered again once its acknowledgement deadline passes, and
 * past HEALTH_IMPORT_MAX_ATTEMPTS deliveries it fails for good with the reason recorded.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: DurableWorker<typeof HealthDataContract.importAccepted> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly runner: ImportRunner,
    @InjectConfig() private readonly config: HealthDataConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureEventStreams([HealthDataContract.importAccepted, HealthDataContract.dataIngested]);
    if (!this.config.HEALTH_IMPORTER_ENABLED) return;
    this.worker = await DurableWorker.each(
      this.bus,
      HealthDataContract.importAccepted,
      {
        consumer: HEALTH_IMPORT_CONSUMER,
        concurrency: this.config.HEALTH_IMPORT_CONCURRENCY,
        ackWaitMs: this.config.HEALTH_IMPORT_ACK_WAIT_MS,
        retryDelayMs: (attempt) => this.runner.retryDelayMs(attempt),
        maxAttempts: this.config.HEALTH_IMPORT_MAX_ATTEMPTS,
        onExhausted: (delivery) => this.runner.giveUp(delivery),
      },
      (delivery) => this.runner.run(delivery),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.stop();
  }
}
