import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, RecordStreams } from '@conduit/bus';
import {
  MediaGenContract,
  type CallerContext,
  type JobProgressedEvent,
  type UnsequencedEventOf,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { ResultUrls } from '../jobs/result-urls';
import { JobRepository, isFinal, type StoredJob } from '../jobs/job.repository';

type JobStreamEvent = UnsequencedEventOf<typeof MediaGenContract.jobStream>;

/**
 * Job streams: a job's progress from where it stands when asked to its outcome. The replica asked
 * produces the stream, whichever replica runs the job: it hears every replica's progress messages, and
 * rereads the job every MEDIA_WATCH_POLL_MS in case one was lost, so a stream always reaches its `done`.
 */
@Injectable()
export class JobWatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly streams: RecordStreams<
    typeof MediaGenContract.jobStream,
    typeof MediaGenContract.jobProgressed,
    StoredJob
  >;

  constructor(
    bus: Bus,
    jobs: JobRepository,
    private readonly urls: ResultUrls,
    @InjectConfig() config: MediaGenConfig,
  ) {
    this.streams = new RecordStreams(bus, {
      stream: MediaGenContract.jobStream,
      retention: { maxAgeMs: config.STREAM_RETENTION_MS, maxBytes: config.STREAM_RETENTION_MAX_BYTES },
      progress: MediaGenContract.jobProgressed,
      pollMs: config.MEDIA_WATCH_POLL_MS,
      noun: 'job',
      find: (userId, id) => jobs.find(userId, id),
      stateOf: (job) => this.stateOf(job),
      idOf: (event) => event.jobId,
      fromProgress,
      logger: new Logger(JobWatchService.name),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.streams.start();
  }

  onApplicationShutdown(): void {
    this.streams.stop();
  }

  /** Starts a stream of the caller's job; NOT_FOUND for anyone else's. */
  watch(caller: CallerContext & { userId: string }, jobId: string, streamId: string): Promise<void> {
    return this.streams.watch(caller, jobId, streamId);
  }

  private stateOf(job: StoredJob): JobStreamEvent {
    if (isFinal(job.status)) {
      return {
        type: 'done',
        jobId: job.id,
        status: job.status,
        results: this.urls.resultsOf(job),
        reason: job.status === 'failed' ? job.failureReason : null,
      };
    }
    if (job.status === 'queued') return { type: 'queued', jobId: job.id };
    return { type: 'running', jobId: job.id, attempt: Math.max(1, job.attempts), percent: job.progress };
  }
}

/** What a job's watchers get of a progress event; null once it finished (the job is reread then). */
function fromProgress({ jobId, update }: JobProgressedEvent): JobStreamEvent | null {
  switch (update.type) {
    case 'queued':
      return { type: 'queued', jobId };
    case 'running':
      return { type: 'running', jobId, attempt: update.attempt, percent: update.percent };
    case 'finished':
      return null;
  }
}
