import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'nats';
import { Bus, type StreamWriter } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  HealthDataContract,
  type CallerContext,
  type ImportProgressedEvent,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';
import { ImportRepository, isFinished, type StoredImport } from './import.repository';

type ImportStreamWriter = StreamWriter<typeof HealthDataContract.importStream>;

/**
 * Import progress streams: where an import stands when asked, its progress, then one `done`. The
 * replica asked produces the stream, whichever replica ingests the import: it hears every replica's
 * progress messages and rereads the import every HEALTH_WATCH_POLL_MS in case one was lost.
 */
@Injectable()
export class ImportWatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportWatchService.name);
  private readonly watchers = new Map<string, Set<ImportStreamWriter>>();
  private subscription: Subscription | null = null;
  private poller: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly imports: ImportRepository,
    @InjectConfig() private readonly config: HealthDataConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureStreamRetention([HealthDataContract.importStream], {
      maxAgeMs: this.config.STREAM_RETENTION_MS,
      maxBytes: this.config.STREAM_RETENTION_MAX_BYTES,
    });
    this.subscription = this.bus.subscribeEvent(HealthDataContract.importProgressed, (event) =>
      this.progressed(event),
    );
    this.poller = setInterval(() => void this.pollAll(), this.config.HEALTH_WATCH_POLL_MS);
    this.poller.unref();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    if (this.poller) clearInterval(this.poller);
  }

  /** Starts a stream of the caller's import; NOT_FOUND for anyone else's. */
  async watch(caller: CallerContext & { userId: string }, importId: string, streamId: string): Promise<void> {
    const found = await this.imports.find(caller.userId, importId);
    if (!found) throw new DomainError(ErrorCode.NotFound, 'No such import', { id: importId });
    const writer = this.bus.createStreamWriter(HealthDataContract.importStream, streamId, caller);
    this.add(importId, writer);
    writer.signal.addEventListener('abort', () => {
      this.remove(importId, writer);
      writer.fail({ code: ErrorCode.Cancelled, message: 'Stopped watching; the import itself goes on' });
    });
    const current = (await this.imports.find(caller.userId, importId)) ?? found;
    this.emitState(writer, current);
  }

  private emitState(writer: ImportStreamWriter, stored: StoredImport): void {
    if (isFinished(stored.status)) return this.emitDone(writer, stored);
    writer.emit({
      type: 'progress',
      importId: stored.id,
      status: stored.status,
      processed: stored.progress.processed,
      total: stored.progress.total,
    });
  }

  private emitDone(writer: ImportStreamWriter, stored: StoredImport): void {
    if (stored.status !== 'succeeded' && stored.status !== 'failed') return;
    this.remove(stored.id, writer);
    writer.emit({
      type: 'done',
      importId: stored.id,
      status: stored.status,
      samplesStored: stored.samplesStored,
      rejectedCount: stored.rejectedCount,
      failureReason: stored.failureReason,
    });
  }

  private progressed(event: ImportProgressedEvent): void {
    const writers = this.watchers.get(event.importId);
    if (!writers) return;
    if (isFinished(event.status)) {
      void this.refresh(event.importId);
      return;
    }
    for (const writer of writers) writer.emit({ type: 'progress', ...event });
  }

  private async refresh(importId: string): Promise<void> {
    const writers = this.watchers.get(importId);
    const owner = writers?.values().next().value?.owner.userId;
    if (!writers || !owner) return;
    try {
      const stored = await this.imports.find(owner, importId);
      if (!stored) return;
      for (const writer of [...writers]) this.emitDone(writer, stored);
    } catch (error) {
      this.logger.warn(`import ${importId} could not be reread: ${String(error)}`);
    }
  }

  private async pollAll(): Promise<void> {
    await Promise.all([...this.watchers.keys()].map((importId) => this.refresh(importId)));
  }

  private add(importId: string, writer: ImportStreamWriter): void {
    let writers = this.watchers.get(importId);
    if (!writers) this.watchers.set(importId, (writers = new Set()));
    writers.add(writer);
  }

  private remove(importId: string, writer: ImportStreamWriter): void {
    const writers = this.watchers.get(importId);
    writers?.delete(writer);
    if (writers?.size === 0) this.watchers.delete(importId);
  }
}
