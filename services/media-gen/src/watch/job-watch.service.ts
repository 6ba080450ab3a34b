import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'nats';
import { Bus, type StreamWriter } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  MediaGenContract,
  type CallerContext,
  type JobProgressedEvent,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { ResultUrls } from '../jobs/result-urls';
import { JobRepository, isFinal, type StoredJob } from '../jobs/job.repository';

type JobStreamWriter = StreamWriter<typeof MediaGenContract.jobStream>;

/**
 * Job streams: a job's progress from where it stands when asked to its outcome. The replica asked
 * produces the stream, whichever replica runs the job: it hears every replica's progress messages, and
 * rereads the job every MEDIA_WATCH_POLL_MS in case one was lost, so a stream always reaches its `done`.
 */
@Injectable()
export class JobWatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobWatchService.name);
  private readonly watchers = new Map<string, Set<JobStreamWriter>>();
  private subscription: Subscription | null = null;
  private poller: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly jobs: JobRepository,
    private readonly urls: ResultUrls,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureStreamRetention([MediaGenContract.jobStream], {
      maxAgeMs: this.config.STREAM_RETENTION_MS,
      maxBytes: this.config.STREAM_RETENTION_MAX_BYTES,
    });
    this.subscription = this.bus.subscribeEvent(MediaGenContract.jobProgressed, (event) =>
      this.progressed(event),
    );
    this.poller = setInterval(() => void this.pollAll(), this.config.MEDIA_WATCH_POLL_MS);
    this.poller.unref();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    if (this.poller) clearInterval(this.poller);
  }

  /** Starts a stream of the caller's job; NOT_FOUND for anyone else's. */
  async watch(caller: CallerContext & { userId: string }, jobId: string, streamId: string): Promise<void> {
    const job = await this.jobs.find(caller.userId, jobId);
    if (!job) throw new DomainError(ErrorCode.NotFound, 'No such job', { id: jobId });
    const writer = this.bus.createStreamWriter(MediaGenContract.jobStream, streamId, caller);
    // Listening before the state is read again: nothing between the two is missed.
    this.add(jobId, writer);
    writer.signal.addEventListener('abort', () => {
      this.remove(jobId, writer);
      writer.fail({
        code: ErrorCode.Cancelled,
        message: 'Stopped watching; the job itself goes on (watch it again to follow it)',
      });
    });
    const current = (await this.jobs.find(caller.userId, jobId)) ?? job;
    this.emitState(writer, current);
  }

  private emitState(writer: JobStreamWriter, job: StoredJob): void {
    if (isFinal(job.status)) return this.emitDone(writer, job);
    if (job.status === 'queued') writer.emit({ type: 'queued', jobId: job.id });
    else
      writer.emit({
        type: 'running',
        jobId: job.id,
        attempt: Math.max(1, job.attempts),
        percent: job.progress,
      });
  }

  private emitDone(writer: JobStreamWriter, job: StoredJob): void {
    if (!isFinal(job.status)) return;
    this.remove(job.id, writer);
    writer.emit({
      type: 'done',
      jobId: job.id,
      status: job.status,
      results: this.urls.resultsOf(job),
      reason: job.status === 'failed' ? job.failureReason : null,
    });
  }

  private progressed(event: JobProgressedEvent): void {
    const writers = this.watchers.get(event.jobId);
    if (!writers) return;
    const update = event.update;
    switch (update.type) {
      case 'queued':
        for (const writer of writers) writer.emit({ type: 'queued', jobId: event.jobId });
        return;
      case 'running':
        for (const writer of writers) {
          writer.emit({
            type: 'running',
            jobId: event.jobId,
            attempt: update.attempt,
            percent: update.percent,
          });
        }
        return;
      case 'finished':
        void this.refresh(event.jobId);
        return;
    }
  }

  /** Rereads a watched job and ends its streams if it has finished. */
  private async refresh(jobId: string): Promise<void> {
    const writers = this.watchers.get(jobId);
    const owner = writers?.values().next().value?.owner.userId;
    if (!writers || !owner) return;
    try {
      const job = await this.jobs.find(owner, jobId);
      if (!job) {
        for (const writer of writers) {
          this.remove(jobId, writer);
          writer.fail({ code: ErrorCode.NotFound, message: 'The job is gone' });
        }
        return;
      }
      for (const writer of [...writers]) this.emitDone(writer, job);
    } catch (error) {
      this.logger.warn(`job ${jobId} could not be reread: ${String(error)}`);
    }
  }

  private async pollAll(): Promise<void> {
    await Promise.all([...this.watchers.keys()].map((jobId) => this.refresh(jobId)));
  }

  private add(jobId: string, writer: JobStreamWriter): void {
    let writers = this.watchers.get(jobId);
    if (!writers) this.watchers.set(jobId, (writers = new Set()));
    writers.add(writer);
  }

  private remove(jobId: string, writer: JobStreamWriter): void {
    const writers = this.watchers.get(jobId);
    writers?.delete(writer);
    if (writers?.size === 0) this.watchers.delete(jobId);
  }
}
