import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, consumeDurableEventBatches, type DurableBatchConsumption } from '@conduit/bus';
import { HEALTH_IMPORT_CONSUMER, HealthDataContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';
import { ImportRunner } from './import-runner';

/**
 * Takes accepted imports from the durable import stream through the pull consumer every replica
 * shares, up to HEALTH_IMPORT_CONCURRENCY at once, each acknowledged only once it has been ingested
 * (or failed for good). Imports sent while no replica runs wait in the stream and are ingested when one
 * starts; an import whose replica dies is delivered again once its acknowledgement deadline passes.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportWorker.name);
  private consumption: DurableBatchConsumption | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly runner: ImportRunner,
    @InjectConfig() private readonly config: HealthDataConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureEventStreams([HealthDataContract.importAccepted, HealthDataContract.dataIngested]);
    if (!this.config.HEALTH_IMPORTER_ENABLED) return;
    this.consumption = await consumeDurableEventBatches(
      this.bus,
      HealthDataContract.importAccepted,
      HEALTH_IMPORT_CONSUMER,
      // One import's failure is its own: each settles its delivery, and nothing here throws.
      async (batch) => {
        await Promise.all(
          batch.map((delivery) =>
            this.runner.run(delivery).catch((error: unknown) => {
              this.logger.warn(`import ${delivery.payload.importId} will be tried again: ${String(error)}`);
              delivery.retry();
            }),
          ),
        );
      },
      {
        maxBatch: this.config.HEALTH_IMPORT_CONCURRENCY,
        lingerMs: 5,
        ackWaitMs: this.config.HEALTH_IMPORT_ACK_WAIT_MS,
        retryDelayMs: (attempt) => this.runner.retryDelayMs(attempt),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumption?.stop();
  }
}
