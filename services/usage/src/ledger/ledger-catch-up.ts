import { Injectable } from '@nestjs/common';
import type { JetStreamManager } from 'nats';
import { InjectConfig } from '@conduit/service-kit';
import { Bus } from '@conduit/bus';
import { USAGE_LEDGER_CONSUMER, UsageContract } from '@conduit/contracts';
import type { UsageConfig } from '../config';

const POLL_MS = 10;

/**
 * Read-your-writes for the ledger. Services publish usage records and go on (a client may see its
 * answer end a moment later); the ledger writes them a moment after that. Before answering from the
 * ledger, wait until the durable consumer has acknowledged every record the stream held when the
 * question came, so a usage summary asked right after an answer includes it. Bounded by
 * USAGE_LEDGER_CATCH_UP_MS: while Postgres is down the answer comes from what the ledger has.
 */
@Injectable()
export class LedgerCatchUp {
  private manager: Promise<JetStreamManager> | null = null;

  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: UsageConfig,
  ) {}

  /** @returns whether the ledger caught up within the bound. */
  async wait(): Promise<boolean> {
    const stream = this.bus.streamName(UsageContract.usageRecorded.durable!.stream);
    try {
      this.manager ??= this.bus.connection.jetstreamManager();
      const manager = await this.manager;
      const target = (await manager.streams.info(stream)).state.last_seq;
      const deadline = Date.now() + this.config.USAGE_LEDGER_CATCH_UP_MS;
      for (;;) {
        const info = await manager.consumers.info(stream, USAGE_LEDGER_CONSUMER);
        if (info.ack_floor.stream_seq >= target || (info.num_pending === 0 && info.num_ack_pending === 0)) {
          return true;
        }
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch {
      this.manager = null;
      return false;
    }
  }
}
