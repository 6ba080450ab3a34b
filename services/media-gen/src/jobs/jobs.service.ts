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
  type StoredImageJobInput,
  type StoredVideoJobInput,
  type VideoJobInput,
} from '@conduit/contracts';
import { InputImages } from './input-images';
import { VideoGenerators } from '../providers/video-generators';
import { videoModelFor } from '../providers/video-models';
import { ResultUrls } from './result-urls';
import { ImageGenerators } from '../providers/image-generators';
import { imageModelFor } from '../providers/image-models';
import { decodeJobCursor, encodeJobCursor } from './job-cursor';
import { JobEvents } from './job-events';
import { JobQueue } from './job-queue';
import { JobRepository, isFinal, type JobSpec } from './job.repository';

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
    private readonly videoGenerators: VideoGenerators,
    private readonly inputImages: InputImages,
  ) {}

  /**
   * Checks the input against its model (nothing is stored for input the model refuses), then accepts it.
   * An edit's image must be one of the caller's image results or an upload whose bytes are the image it
   * declares, its mask a PNG; uploads are kept in storage before the job is queued.
   */
  async createImageJob(
    owner: JobOwner,
    input: ImageJobInput,
    idempotencyKey: string | undefined,
  ): Promise<AcceptedJob> {
    const model = imageModelFor(input);
    this.generators.for(model);
    const pictures = await this.inputImages.acceptAll(owner.userId, {
      ...(input.image ? { image: input.image } : {}),
      ...(input.mask ? { mask: input.mask } : {}),
    });
    const inputHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const { image: _image, mask: _mask, ...rest } = input;
    const stored: StoredImageJobInput = { ...rest, ...pictures.stored };
    return this.accept(
      owner,
      { kind: 'image', input: stored },
      model.id,
      inputHash,
      idempotencyKey,
      pictures.keep,
    );
  }

  /** As {@link createImageJob}, for a clip: an image it starts from is checked and kept the same way. */
  async createVideoJob(
    owner: JobOwner,
    input: VideoJobInput,
    idempotencyKey: string | undefined,
  ): Promise<AcceptedJob> {
    const model = videoModelFor(input);
    this.videoGenerators.for(model);
    const pictures = await this.inputImages.acceptAll(
      owner.userId,
      input.image ? { image: input.image } : {},
    );
    const inputHash = createHash('sha256')
      .update(`video\n${JSON.stringify(input)}`)
      .digest('hex');
    const { image: _requested, ...rest } = input;
    const stored: StoredVideoJobInput = {
      ...rest,
      ...(pictures.stored.image ? { image: pictures.stored.image } : {}),
    };
    return this.accept(
      owner,
      { kind: 'video', input: stored },
      model.id,
      inputHash,
      idempotencyKey,
      pictures.keep,
    );
  }

  /**
   * Stores the job and queues it. A key used before gives back that job, queued again in case the first
   * request died between storing and queueing (the stream keeps one message per job).
   */
  private async accept(
    owner: JobOwner,
    spec: JobSpec,
    model: string,
    inputHash: string,
    idempotencyKey: string | undefined,
    beforeQueue: (jobId: string) => Promise<void> = () => Promise.resolve(),
  ): Promise<AcceptedJob> {
    const { job, created } = await this.jobs.insert({
      ...spec,
      id: randomUUID(),
      userId: owner.userId,
      apiKeyId: owner.apiKeyId,
      model,
      inputHash,
      idempotencyKey: idempotencyKey ?? null,
    });
    if (!created && job.inputHash !== inputHash) {
      throw new DomainError(ErrorCode.Conflict, 'This Idempotency-Key was used for a different request', {
        jobId: job.id,
      });
    }
    if (!isFinal(job.status)) {
      await beforeQueue(job.id);
      await this.queue.enqueue(owner, job.id);
    }
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
