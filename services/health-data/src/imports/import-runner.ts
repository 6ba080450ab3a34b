import { Injectable, Logger } from '@nestjs/common';
import type { DurableDelivery } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  HealthDataContract,
  type CallerContext,
  type ImportAcceptedEvent,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';
import { ImportFailure, type ImportSink, type SampleUnit } from '../ingestion/import-sink';
import { HealthSampleRepository } from '../samples/health-sample.repository';
import { sampleProblem } from '../samples/sample-checks';
import { ImportContent } from './import-content';
import { ImportEvents } from './import-events';
import { ImportTally } from './import-tally';
import { ImportRepository, NO_OWNER, isFinished } from './import.repository';
import { Importers } from './importers';

type ImportDelivery = DurableDelivery<typeof HealthDataContract.importAccepted>;

/**
 * Ingests one delivered import: reads its content, hands it to the importer of its kind, stores each
 * unit (a file, a user's summaries) in one transaction, publishes `health.data.ingested`, records the
 * outcome, and only then acknowledges it. A passing fault (Postgres away, a Garmin pull that failed)
 * sends it back to the stream; it is idempotent, so what a crashed attempt stored is stored once.
 */
@Injectable()
export class ImportRunner {
  private readonly logger = new Logger(ImportRunner.name);

  constructor(
    private readonly imports: ImportRepository,
    private readonly samples: HealthSampleRepository,
    private readonly content: ImportContent,
    private readonly events: ImportEvents,
    private readonly importers: Importers,
    @InjectConfig() private readonly config: HealthDataConfig,
  ) {}

  async run(delivery: ImportDelivery): Promise<void> {
    const event = delivery.payload;
    const ownerId = delivery.envelope.userId;
    const owner: CallerContext = { userId: ownerId };
    const stored = await this.imports.begin({
      id: event.importId,
      userId: ownerId ?? NO_OWNER,
      kind: event.kind,
      filename: event.filename ?? null,
      acceptedAt: event.acceptedAt,
    });
    if (isFinished(stored.status)) {
      await this.content.release(event);
      return delivery.ack();
    }
    const tally = new ImportTally();
    const fail = async (reason: string) => {
      await this.imports.finish(event.importId, {
        ...this.outcomeOf(tally),
        status: 'failed',
        failureReason: reason,
      });
      this.events.progressed(owner, {
        importId: event.importId,
        status: 'failed',
        ...this.progressOf(tally),
      });
      await this.content.release(event);
      await delivery.ack();
    };
    this.events.progressed(owner, { importId: event.importId, status: 'running', processed: 0, total: null });

    const sink = this.sinkFor(event, ownerId, tally, owner);
    try {
      await this.importers.for(event.kind)(sink);
    } catch (error) {
      if (error instanceof ImportFailure) return fail(error.message);
      if (error instanceof DomainError && error.code === ErrorCode.NotFound) {
        return fail('the upload is no longer there (it expired before it could be read)');
      }
      if (error instanceof DomainError && error.code === ErrorCode.PayloadTooLarge) {
        return fail(`the upload is larger than ${this.content.maxBytesOf(event)} bytes`);
      }
      this.logger.warn(
        `import ${event.importId} (attempt ${delivery.attempt}) will be tried again: ${String(error)}`,
      );
      delivery.retry();
      return;
    }
    for (const ingested of tally.ingestedEvents(event.importId)) await this.events.ingested(ingested);
    const nothingStored = tally.samplesStored === 0 && tally.rejectedCount > 0;
    await this.imports.finish(event.importId, {
      ...this.outcomeOf(tally),
      status: nothingStored ? 'failed' : 'succeeded',
      failureReason: nothingStored ? 'nothing was stored: every record was rejected' : null,
    });
    this.events.progressed(owner, {
      importId: event.importId,
      status: nothingStored ? 'failed' : 'succeeded',
      ...this.progressOf(tally),
    });
    await this.content.release(event);
    await delivery.ack();
  }

  /** Ends an import that was delivered HEALTH_IMPORT_MAX_ATTEMPTS times without finishing. */
  async giveUp(delivery: ImportDelivery): Promise<void> {
    const event = delivery.payload;
    const reason = `gave up after ${this.config.HEALTH_IMPORT_MAX_ATTEMPTS} attempts`;
    await this.imports.begin({
      id: event.importId,
      userId: delivery.envelope.userId ?? NO_OWNER,
      kind: event.kind,
      filename: event.filename ?? null,
      acceptedAt: event.acceptedAt,
    });
    await this.imports.finish(event.importId, {
      ...this.outcomeOf(new ImportTally()),
      status: 'failed',
      failureReason: reason,
    });
    this.events.progressed(
      { userId: delivery.envelope.userId },
      { importId: event.importId, status: 'failed', processed: 0, total: null },
    );
    await this.content.release(event);
  }

  /** The pause before a delivery that hit a passing fault is tried again. */
  retryDelayMs(attempt: number): number {
    return Math.min(
      this.config.HEALTH_IMPORT_RETRY_MAX_MS,
      this.config.HEALTH_IMPORT_RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1),
    );
  }

  private sinkFor(
    event: ImportAcceptedEvent,
    ownerId: string | null,
    tally: ImportTally,
    owner: CallerContext,
  ): ImportSink {
    const importId = event.importId;
    return {
      importId,
      kind: event.kind,
      ownerId,
      filename: event.filename ?? null,
      content: () => this.content.read(event),
      saveContent: (path) => this.content.saveTo(event, path),
      reject: (item, reason, wholeUnit) => {
        tally.reject(item, reason);
        if (wholeUnit) tally.processed += 1;
      },
      setTotal: (total) => {
        tally.total = total;
      },
      write: async (unit: SampleUnit) => {
        const now = Date.now();
        const batches = unit.batches.map((batch) => ({
          replaceRecords: batch.replaceRecords,
          samples: batch.samples.filter((sample) => {
            const problem = sampleProblem(sample, now, this.config.HEALTH_FUTURE_TOLERANCE_MS);
            if (problem) tally.reject(`${unit.item}: ${sample.metric} at ${sample.startAt}`, problem);
            return problem === null;
          }),
        }));
        await this.samples.inTransaction(async (tx) => {
          for (const batch of batches) {
            await tx.upsertSamples(unit.userId, batch.samples, {
              importId,
              replaceRecords: batch.replaceRecords,
            });
          }
        });
        for (const batch of batches) tally.stored(unit.userId, batch.samples);
        tally.processed += 1;
        await this.imports.progress(importId, this.progressOf(tally));
        this.events.progressed(owner, { importId, status: 'running', ...this.progressOf(tally) });
      },
    };
  }

  private progressOf(tally: ImportTally) {
    return { processed: tally.processed, total: tally.total };
  }

  private outcomeOf(tally: ImportTally) {
    return {
      processed: tally.processed,
      total: tally.total,
      samplesStored: tally.samplesStored,
      rejectedCount: tally.rejectedCount,
      rejections: tally.rejections,
    };
  }
}
