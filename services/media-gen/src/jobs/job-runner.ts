import { Injectable, Logger } from '@nestjs/common';
import type { DurableDelivery } from '@conduit/bus';
import { ErrorCode, isDomainError, MediaGenContract, type CallerContext } from '@conduit/contracts';
import { Inject } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { Admission } from '@conduit/metering';
import type { MediaGenConfig } from '../config';
import { MediaProducer } from './media-producer';
import { ProviderFailure } from '../providers/provider-failure';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { resultKey } from '../storage/result-key';
import { JobEvents } from './job-events';
import { JobMetering } from './job-metering';
import { isFinal, JobRepository, type StoredJob, type StoredResult } from './job.repository';
import { WorkStopped } from '../running/running-work';
import { retryBackoffMs } from '../running/work-consumer';
import { RunningJobs } from './running-jobs';

/** Past a lease's end, so a delivery that waited for another worker finds its lease lapsed. */
const LEASE_MARGIN_MS = 100;

export type JobDelivery = DurableDelivery<typeof MediaGenContract.jobAccepted>;

/**
 * Runs one delivered job to its end: provider, storage, usage record, then the job's move to `succeeded`
 * and only then the acknowledgement. A provider fault that may pass (429, 5xx, timeout) sends the job back
 * to the stream for a later try, after the provider's Retry-After when it gave one; anything else, or the
 * last attempt allowed, fails it for good with the reason. A delivery whose earlier try never finished
 * (the process died) runs again once that worker's lease on the job has lapsed (each worker renews its
 * lease while it runs, so a live one that only missed its acknowledgement deadline keeps the job and the
 * provider is called once): files are overwritten in place and results are stored once.
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly producer: MediaProducer,
    private readonly metering: JobMetering,
    private readonly events: JobEvents,
    private readonly running: RunningJobs,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async run(delivery: JobDelivery): Promise<void> {
    const { jobId } = delivery.payload;
    const inProgress = this.running.inProgress(jobId);
    if (inProgress) {
      // The same message, delivered again while this replica runs it: that run settles the message.
      await inProgress;
      return;
    }
    // Registered before the first await, so a second delivery of the job sees this run.
    await this.running.run(jobId, (signal) => this.attempt(delivery, signal));
  }

  private async attempt(delivery: JobDelivery, signal: AbortSignal): Promise<void> {
    const { jobId } = delivery.payload;
    const userId = delivery.envelope.userId;
    if (!userId) {
      this.logger.error(`dropped job ${jobId}: its message has no user`);
      return delivery.ack();
    }
    const owner: CallerContext = { userId, apiKeyId: delivery.envelope.apiKeyId ?? null };
    // Counted by the job itself: a delivery's own count can start again at 1 after its worker died.
    const start = await this.jobs.startAttempt(userId, jobId, this.leaseMs);
    if (start.kind === 'finished') return delivery.ack(); // finished, cancelled or gone since it was queued
    if (start.kind === 'held') {
      // Another replica runs it (its acknowledgement deadline passed under load): it settles the job. This
      // delivery comes back once that worker's lease would have lapsed, in case it died meanwhile.
      return delivery.retry(start.leaseLeftMs + LEASE_MARGIN_MS);
    }
    const { job } = start;
    this.events.progressed(owner, {
      jobId,
      update: { type: 'running', attempt: job.attempts, percent: null },
    });
    const stopRenewing = this.keepLease(job.id);
    try {
      await this.generate(job, signal);
      this.events.progressed(owner, { jobId, update: { type: 'finished', status: 'succeeded' } });
      await delivery.ack();
    } catch (error) {
      await this.failed(owner, job, delivery, error);
    } finally {
      stopRenewing();
    }
  }

  /** The lease a worker holds on a job it runs: as long as a silent worker keeps its delivery. */
  private get leaseMs(): number {
    return this.config.MEDIA_JOB_ACK_WAIT_MS;
  }

  /** Renews this worker's lease on the job, three times per lease, until the returned function is called. */
  private keepLease(jobId: string): () => void {
    const timer = setInterval(
      () => {
        this.jobs
          .renewLease(jobId, this.leaseMs)
          .catch((error: unknown) => this.logger.warn(`job ${jobId} lease not renewed: ${String(error)}`));
      },
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Delivered again after MEDIA_JOB_MAX_ATTEMPTS deliveries that never settled it: the job fails for good
   * with the last reason known, and the worker then acknowledges the delivery. Unless it is still running
   * elsewhere under a live lease (deliveries that waited for that worker count too): then it comes back
   * once the lease would have lapsed; or unless the job itself was tried fewer times than allowed: it runs.
   */
  async giveUp(delivery: JobDelivery): Promise<void> {
    const { jobId } = delivery.payload;
    const userId = delivery.envelope.userId;
    const inProgress = this.running.inProgress(jobId);
    if (inProgress) {
      await inProgress;
      return;
    }
    if (!userId) {
      this.logger.error(`dropped job ${jobId}: its message has no user`);
      return;
    }
    const leaseLeftMs = await this.jobs.leaseLeftMs(userId, jobId);
    if (leaseLeftMs > 0) return delivery.retry(leaseLeftMs + LEASE_MARGIN_MS);
    const owner: CallerContext = { userId, apiKeyId: delivery.envelope.apiKeyId ?? null };
    const maxAttempts = this.config.MEDIA_JOB_MAX_ATTEMPTS;
    const previous = await this.jobs.find(userId, jobId);
    if (previous && !isFinal(previous.status) && previous.attempts < maxAttempts) return this.run(delivery);
    const reason = `did not finish in ${maxAttempts} attempts${
      previous?.failureReason ? ` (last: ${previous.failureReason})` : ''
    }`;
    await this.finishFailed(owner, jobId, reason);
  }

  private async generate(job: StoredJob, signal: AbortSignal): Promise<void> {
    const admission: Admission = await this.metering.admit(job, this.producer.plannedQuantities(job));
    try {
      const files = await this.producer.produce(job, {
        signal,
        onProgress: (percent) => this.progress(job, percent),
        resume: {
          providerRef: job.providerRef,
          keep: (providerRef) => this.jobs.setProviderRef(job.id, providerRef),
        },
      });
      signal.throwIfAborted();
      const results: StoredResult[] = [];
      for (const [index, file] of files.entries()) {
        const storageKey = resultKey(job.userId, job.id, index);
        await this.storage.put(storageKey, file.data, file.contentType);
        results.push({
          index,
          storageKey,
          contentType: file.contentType,
          bytes: file.data.byteLength,
          metadata: file.metadata,
        });
      }
      signal.throwIfAborted();
      await this.metering.record(admission, job, this.producer.producedQuantities(job, files), files);
      await this.jobs.succeed(job.id, results);
    } finally {
      admission.release();
    }
  }

  private progress(job: StoredJob, percent: number): void {
    const owner = { userId: job.userId, apiKeyId: job.apiKeyId };
    this.events.progressed(owner, {
      jobId: job.id,
      update: { type: 'running', attempt: job.attempts, percent },
    });
    this.jobs
      .setProgress(job.id, percent)
      .catch((error: unknown) => this.logger.warn(`job ${job.id} progress not stored: ${String(error)}`));
  }

  private async failed(owner: CallerContext, job: StoredJob, delivery: JobDelivery, error: unknown) {
    if (error instanceof WorkStopped) {
      // Cancelled: the cancel already recorded it. Shutting down: another replica takes it at once.
      if (error.why === 'cancelled') return delivery.ack();
      return delivery.retry(0);
    }
    const reason = reasonOf(error);
    const retryable = error instanceof ProviderFailure ? error.retryable : !isPermanent(error);
    if (retryable && job.attempts < this.config.MEDIA_JOB_MAX_ATTEMPTS) {
      const delay = this.retryDelayMs(job.attempts, error);
      this.logger.warn(`job ${job.id} attempt ${job.attempts} failed (${reason}); again in ${delay} ms`);
      await this.jobs.requeue(job.id, reason);
      this.events.progressed(owner, { jobId: job.id, update: { type: 'queued' } });
      return delivery.retry(delay);
    }
    this.logger.warn(`job ${job.id} failed: ${reason}`);
    await this.finishFailed(owner, job.id, reason);
    await delivery.ack();
  }

  private async finishFailed(owner: CallerContext, jobId: string, reason: string): Promise<void> {
    if (await this.jobs.fail(jobId, reason)) {
      this.events.progressed(owner, { jobId, update: { type: 'finished', status: 'failed' } });
    }
  }

  /** Doubling from the base, at least what the provider asked for, at most the configured longest. */
  private retryDelayMs(attempt: number, error: unknown): number {
    const asked = error instanceof ProviderFailure ? (error.retryAfterMs ?? 0) : 0;
    return Math.min(
      this.config.MEDIA_JOB_RETRY_MAX_MS,
      Math.max(retryBackoffMs(this.config, attempt), asked),
    );
  }
}

/** Errors no retry can fix: bad input for the model, a model not configured, a budget that is spent. */
function isPermanent(error: unknown): boolean {
  if (!isDomainError(error)) return false;
  return (
    error.code === ErrorCode.ValidationFailed ||
    error.code === ErrorCode.NotFound ||
    error.code === ErrorCode.UnknownModel ||
    error.code === ErrorCode.ModelUnavailable ||
    error.code === ErrorCode.BudgetExceeded
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof ProviderFailure) return `${error.code}: ${error.message}`;
  if (isDomainError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
