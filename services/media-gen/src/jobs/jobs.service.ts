import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import {
  DomainError,
  ErrorCode,
  type AcceptedJob,
  type ImageJobInput,
  type JobPage,
  type ListJobsQuery,
  type MediaJob,
} from '@conduit/contracts';
import { ResultUrls } from './result-urls';
import { ImageGenerators } from '../providers/image-generators';
import { imageModelFor } from '../providers/image-models';
import { decodeJobCursor, encodeJobCursor } from './job-cursor';
import { JobEvents } from './job-events';
import { JobQueue } from './job-queue';
import { JobRepository, isFinal } from './job.repository';

export interface JobOwner {
  userId: string;
  apiKeyId: string | null;
}

const notFound = (id: string) => new DomainError(ErrorCode.NotFound, 'No such job', { id });

/** Accepting, reading, listing and cancelling a user's jobs; running them is the worker's. */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly queue: JobQueue,
    private readonly events: JobEvents,
    private readonly urls: ResultUrls,
    private readonly generators: ImageGenerators,
  ) {}

  /**
   * Checks the input against its model (nothing is stored for input the model refuses), stores the job
   * and queues it. A key used before gives back that job, queued again in case the first request died
   * between storing and queueing (the stream keeps one message per job).
   */
  async createImageJob(
    owner: JobOwner,
    input: ImageJobInput,
    idempotencyKey: string | undefined,
  ): Promise<AcceptedJob> {
    const model = imageModelFor(input);
    this.generators.for(model);
    const inputHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const { job, created } = await this.jobs.insert({
      id: randomUUID(),
      userId: owner.userId,
      apiKeyId: owner.apiKeyId,
      model: model.id,
      input,
      inputHash,
      idempotencyKey: idempotencyKey ?? null,
    });
    if (!created && job.inputHash !== inputHash) {
      throw new DomainError(ErrorCode.Conflict, 'This Idempotency-Key was used for a different request', {
        jobId: job.id,
      });
    }
    if (!isFinal(job.status)) await this.queue.enqueue(owner, job.id);
    return { jobId: job.id, status: job.status, created };
  }

  async get(userId: string, id: string): Promise<MediaJob> {
    const job = await this.jobs.find(userId, id);
    if (!job) throw notFound(id);
    return this.urls.present(job);
  }

  async list(userId: string, query: ListJobsQuery): Promise<JobPage> {
    const jobs = await this.jobs.list(userId, {
      ...(query.status ? { status: query.status } : {}),
      limit: query.limit + 1,
      ...(query.cursor ? { beforeSeq: decodeJobCursor(query.cursor) } : {}),
    });
    const page = jobs.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map((job) => this.urls.present(job)),
      nextCursor: jobs.length > query.limit && last ? encodeJobCursor(last.seq) : null,
    };
  }

  /** Cancels a queued or running job (the replica running it stops); CONFLICT once it has finished. */
  async cancel(owner: JobOwner, id: string): Promise<MediaJob> {
    const outcome = await this.jobs.cancel(owner.userId, id);
    if (!outcome) throw notFound(id);
    if (!outcome.cancelled) {
      throw new DomainError(ErrorCode.Conflict, `The job has already ${outcome.job.status}`, {
        id,
        status: outcome.job.status,
      });
    }
    this.events.cancelled(owner, id);
    this.events.progressed(owner, { jobId: id, update: { type: 'finished', status: 'cancelled' } });
    return this.urls.present(outcome.job);
  }
}
