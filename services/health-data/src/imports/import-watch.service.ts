import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, RecordStreams } from '@conduit/bus';
import { HealthDataContract, type CallerContext, type UnsequencedEventOf } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';
import { ImportRepository, type StoredImport } from './import.repository';

/**
 * Import progress streams: where an import stands when asked, its progress, then one `done`. The
 * replica asked produces the stream, whichever replica ingests the import: it hears every replica's
 * progress messages and rereads the import every HEALTH_WATCH_POLL_MS in case one was lost.
 */
@Injectable()
export class ImportWatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly streams: RecordStreams<
    typeof HealthDataContract.importStream,
    typeof HealthDataContract.importProgressed,
    StoredImport
  >;

  constructor(bus: Bus, imports: ImportRepository, @InjectConfig() config: HealthDataConfig) {
    this.streams = new RecordStreams(bus, {
      stream: HealthDataContract.importStream,
      retention: { maxAgeMs: config.STREAM_RETENTION_MS, maxBytes: config.STREAM_RETENTION_MAX_BYTES },
      progress: HealthDataContract.importProgressed,
      pollMs: config.HEALTH_WATCH_POLL_MS,
      noun: 'import',
      find: (userId, id) => imports.find(userId, id),
      stateOf: importState,
      idOf: (event) => event.importId,
      fromProgress: (event) =>
        event.status === 'succeeded' || event.status === 'failed' ? null : { type: 'progress', ...event },
      logger: new Logger(ImportWatchService.name),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.streams.start();
  }

  onApplicationShutdown(): void {
    this.streams.stop();
  }

  /** Starts a stream of the caller's import; NOT_FOUND for anyone else's. */
  watch(caller: CallerContext & { userId: string }, importId: string, streamId: string): Promise<void> {
    return this.streams.watch(caller, importId, streamId);
  }
}

function importState(stored: StoredImport): UnsequencedEventOf<typeof HealthDataContract.importStream> {
  if (stored.status === 'succeeded' || stored.status === 'failed') {
    return {
      type: 'done',
      importId: stored.id,
      status: stored.status,
      samplesStored: stored.samplesStored,
      rejectedCount: stored.rejectedCount,
      failureReason: stored.failureReason,
    };
  }
  return {
    type: 'progress',
    importId: stored.id,
    status: stored.status,
    processed: stored.progress.processed,
    total: stored.progress.total,
  };
}
