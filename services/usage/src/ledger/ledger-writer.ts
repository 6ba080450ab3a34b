import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import {
  Bus,
  consumeDurableEventBatches,
  type DurableBatchConsumption,
  type DurableDelivery,
} from '@conduit/bus';
import { USAGE_LEDGER_CONSUMER, UsageContract } from '@conduit/contracts';
import type { UsageConfig } from '../config';
import { UsageLedgerRepository } from './usage-ledger.repository';

type RecordDelivery = DurableDelivery<typeof UsageContract.usageRecorded>;

/** Most records written by one statement. */
const MAX_BATCH = 64;

/**
 * Writes the ledger from the durable stream `usage.recorded`, through the durable consumer every
 * replica shares. The records already delivered when one is taken are written together, by one
 * statement (services meter in bursts: a few per agent run step, say), without waiting for more. A
 * record is acknowledged only once its row is committed; a write that fails (Postgres down) leaves the
 * records in the stream, delivered again with growing pauses until they land. A batch whose statement
 * fails is written again record by record, so one record the ledger cannot take holds back no other.
 * The row's key is the record id, so a record delivered twice is written once (which is also why an
 * acknowledgement need not wait for JetStream's confirmation: one lost only brings its record back once).
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
      (batch) => this.write(batch),
      {
        maxBatch: MAX_BATCH,
        lingerMs: 0,
        ackWaitMs: 30_000,
        retryDelayMs: (attempt) => Math.min(maxDelay, 100 * 2 ** Math.min(attempt - 1, 16)),
        confirmAcks: false,
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumption?.stop();
  }

  private async write(batch: RecordDelivery[]): Promise<void> {
    let repeated: string[];
    try {
      repeated = await this.ledger.insertMany(batch.map((delivery) => delivery.payload));
    } catch (error) {
      if (batch.length === 1) throw error;
      this.logger.warn(`${batch.length} usage records not written together (${String(error)}); one by one`);
      for (const delivery of batch) {
        await this.write([delivery]).catch((single: unknown) => this.leave(delivery, single));
      }
      return;
    }
    for (const recordId of repeated) {
      this.logger.debug?.(`usage record ${recordId} was already in the ledger`);
    }
    await Promise.all(batch.map((delivery) => delivery.ack()));
  }

  /** Left unsettled, the record is delivered again after a pause. */
  private leave(delivery: RecordDelivery, error: unknown): void {
    this.logger.warn(`usage record ${delivery.payload.recordId} not written yet: ${String(error)}`);
    delivery.retry();
  }
}
