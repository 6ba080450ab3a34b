import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import { Bus, consumeDurableEventBatches, type DurableBatchConsumption } from '@conduit/bus';
import { USAGE_LEDGER_CONSUMER, UsageContract } from '@conduit/contracts';
import type { UsageConfig } from '../config';
import { UsageLedgerRepository } from './usage-ledger.repository';

/** Most records written by one statement. */
const MAX_BATCH = 64;

/**
 * Writes the ledger from the durable stream `usage.recorded`, through the durable consumer every
 * replica shares. The records already delivered when one is taken are written together, by one
 * statement (services meter in bursts: a few per agent run step, say), without waiting for more. A
 * record is acknowledged only once its row is committed; a write that fails (Postgres down) leaves the
 * records in the stream, delivered again with growing pauses until they land. The row's key is the
 * record id, so a record delivered twice is written once.
 */
@Injectable()
export class LedgerWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerWriter.name);
  private consumption: DurableBatchConsumption | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly ledger: UsageLedgerRepository,
    @InjectConfig() private readonly config: UsageConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureEventStreams([UsageContract.usageRecorded]);
    const maxDelay = this.config.USAGE_LEDGER_RETRY_MAX_MS;
    this.consumption = await consumeDurableEventBatches(
      this.bus,
      UsageContract.usageRecorded,
      USAGE_LEDGER_CONSUMER,
      async (batch) => {
        const repeated = await this.ledger.insertMany(batch.map((delivery) => delivery.payload));
        for (const recordId of repeated) {
          this.logger.debug?.(`usage record ${recordId} was already in the ledger`);
        }
        await Promise.all(batch.map((delivery) => delivery.ack()));
      },
      {
        maxBatch: MAX_BATCH,
        lingerMs: 0,
        ackWaitMs: 30_000,
        retryDelayMs: (attempt) => Math.min(maxDelay, 100 * 2 ** Math.min(attempt - 1, 16)),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumption?.stop();
  }
}
