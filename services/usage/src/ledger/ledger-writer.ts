import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import { Bus, type DurableConsumption } from '@conduit/bus';
import { USAGE_LEDGER_CONSUMER, UsageContract } from '@conduit/contracts';
import type { UsageConfig } from '../config';
import { UsageLedgerRepository } from './usage-ledger.repository';

/**
 * Writes the ledger from the durable stream `usage.recorded`, through the durable consumer every
 * replica shares. A record is acknowledged only once its row is committed; a write that fails (Postgres
 * down) leaves the record in the stream, delivered again with growing pauses until it lands. The row's
 * key is the record id, so a record delivered twice is written once.
 */
@Injectable()
export class LedgerWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerWriter.name);
  private consumption: DurableConsumption | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly ledger: UsageLedgerRepository,
    @InjectConfig() private readonly config: UsageConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureEventStreams([UsageContract.usageRecorded]);
    const maxDelay = this.config.USAGE_LEDGER_RETRY_MAX_MS;
    this.consumption = await this.bus.consumeDurableEvent(
      UsageContract.usageRecorded,
      USAGE_LEDGER_CONSUMER,
      async (record) => {
        if (!(await this.ledger.insert(record))) {
          this.logger.debug?.(`usage record ${record.recordId} was already in the ledger`);
        }
      },
      { retryDelayMs: (attempt) => Math.min(maxDelay, 100 * 2 ** Math.min(attempt - 1, 16)) },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumption?.stop();
  }
}
