import { Logger } from '@nestjs/common';
import { backOff } from 'exponential-backoff';
import { Bus } from '@conduit/bus';
import { UsageContract, type UsageRecordedEvent } from '@conduit/contracts';

/** Longest pause between two background attempts at one record. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Delivers usage records to the durable stream `usage.recorded`, whatever happens to NATS meanwhile: a
 * record is first published with a few quick retries; one that still fails stays here and is retried in
 * the background with exponential backoff until JetStream takes it. Every attempt carries the record id
 * as its message id, so a publish whose acknowledgement was lost and is repeated is stored once (and the
 * ledger, keyed by the same id, writes it once in any case).
 */
export class UsageOutbox {
  private readonly logger = new Logger(UsageOutbox.name);
  private readonly pending = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly quickAttempts: number,
  ) {}

  /** Resolves once JetStream has the record, or once it has been left to the background retries. */
  async deliver(record: UsageRecordedEvent): Promise<void> {
    try {
      await backOff(() => this.publish(record), {
        numOfAttempts: this.quickAttempts,
        startingDelay: 50,
        maxDelay: 1_000,
        jitter: 'full',
      });
    } catch (error) {
      this.logger.warn(
        `usage record ${record.recordId} not published yet; retrying in the background: ${String(error)}`,
      );
      this.retryInBackground(record);
    }
  }

  /** Records still waiting for JetStream. */
  get size(): number {
    return this.pending.size;
  }

  /** Stops the background retries; records still waiting are reported, as they would be lost with the process. */
  close(): void {
    this.closed = true;
    for (const recordId of this.pending.keys()) {
      this.logger.error(`usage record ${recordId} was never published: the process is stopping`);
    }
  }

  private retryInBackground(record: UsageRecordedEvent): void {
    const retrying = backOff(() => this.publish(record), {
      numOfAttempts: Number.MAX_SAFE_INTEGER,
      startingDelay: 200,
      maxDelay: MAX_RETRY_DELAY_MS,
      jitter: 'full',
      retry: () => !this.closed,
    }).then(
      () => {
        this.logger.log(`usage record ${record.recordId} published after retries`);
      },
      () => undefined,
    );
    this.pending.set(record.recordId, retrying);
    void retrying.finally(() => this.pending.delete(record.recordId));
  }

  private publish(record: UsageRecordedEvent): Promise<void> {
    return this.bus.publish(
      UsageContract.usageRecorded,
      record,
      { userId: record.userId, ...(record.apiKeyId ? { apiKeyId: record.apiKeyId } : {}) },
      { messageId: record.recordId },
    );
  }
}
