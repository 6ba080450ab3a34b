import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  HealthDataContract,
  type CallerContext,
  type DataIngestedEvent,
  type ImportProgressedEvent,
} from '@conduit/contracts';

/**
 * Tells every replica where an import stands (for the progress streams they produce), and whoever
 * follows health data what an import stored. Progress is plain NATS: a lost message costs a stream at
 * most one poll interval. `health.data.ingested` is durable, sent before the import is acknowledged.
 */
@Injectable()
export class ImportEvents {
  private readonly logger = new Logger(ImportEvents.name);

  constructor(private readonly bus: Bus) {}

  progressed(owner: CallerContext, event: ImportProgressedEvent): void {
    this.bus
      .publish(HealthDataContract.importProgressed, event, owner)
      .catch((error: unknown) =>
        this.logger.warn(`import ${event.importId} progress not sent: ${String(error)}`),
      );
  }

  /** The message id makes a redelivered import's event one stored message. */
  async ingested(event: DataIngestedEvent): Promise<void> {
    await this.bus.publish(
      HealthDataContract.dataIngested,
      event,
      { userId: event.userId },
      { messageId: `${event.importId}:${event.userId}:${event.source}` },
    );
  }
}
