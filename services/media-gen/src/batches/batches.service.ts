import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  BATCH_COMPLETION_WINDOW_SECONDS,
  DomainError,
  ErrorCode,
  type BatchList,
  type BatchObject,
  type CallerContext,
  type CreateBatchRequest,
  type ListBatchesQuery,
} from '@conduit/contracts';
import { BatchFileRepository } from './batch-file.repository';
import { batchUuidOf, fileUuidOf } from './batch-ids';
import { toBatchObject, toListPage } from './batch-objects';
import { BatchQueue } from './batch-queue';
import { BatchRepository } from './batch.repository';

/** Batches, always the caller's: accepted as `validating` and queued, then run by a worker. */
@Injectable()
export class BatchesService {
  constructor(
    private readonly batches: BatchRepository,
    private readonly files: BatchFileRepository,
    private readonly queue: BatchQueue,
  ) {}

  async create(owner: CallerContext & { userId: string }, request: CreateBatchRequest): Promise<BatchObject> {
    const file = await this.files.find(owner.userId, fileUuidOf(request.input_file_id));
    if (!file) throw new DomainError(ErrorCode.NotFound, 'No such input file');
    if (file.purpose !== 'batch')
      throw new DomainError(
        ErrorCode.ValidationFailed,
        'The input file must have been uploaded with purpose batch',
        {
          fields: [{ path: 'input_file_id', message: 'not a batch request file' }],
        },
      );
    const id = randomUUID();
    const batch = await this.batches.insert({
      id,
      userId: owner.userId,
      apiKeyId: owner.apiKeyId ?? null,
      inputFileId: file.id,
      endpoint: request.endpoint,
      completionWindow: request.completion_window,
      metadata: request.metadata ?? null,
      expiresAt: new Date(Date.now() + BATCH_COMPLETION_WINDOW_SECONDS * 1000),
    });
    await this.queue.enqueue(owner, id);
    return toBatchObject(batch);
  }

  async get(userId: string, batchId: string): Promise<BatchObject> {
    const batch = await this.batches.find(userId, batchUuidOf(batchId));
    if (!batch) throw notFound();
    return toBatchObject(batch);
  }

  async list(userId: string, query: ListBatchesQuery): Promise<BatchList> {
    const batches = await this.batches.list(userId, {
      limit: query.limit + 1,
      ...(query.after ? { after: batchUuidOf(query.after) } : {}),
    });
    return toListPage(batches.map(toBatchObject), query.limit);
  }

  /** `cancelling` at once; the replica running it stops and writes what finished. Again: as it stands. */
  async cancel(owner: CallerContext & { userId: string }, batchId: string): Promise<BatchObject> {
    const id = batchUuidOf(batchId);
    const cancelling = await this.batches.markCancelling(owner.userId, id);
    if (cancelling) {
      await this.queue.cancelled(owner, id);
      return toBatchObject(cancelling);
    }
    const batch = await this.batches.find(owner.userId, id);
    if (!batch) throw notFound();
    if (batch.status === 'cancelling' || batch.status === 'cancelled') return toBatchObject(batch);
    throw new DomainError(ErrorCode.Conflict, `The batch is ${batch.status} and can no longer be cancelled`);
  }
}

const notFound = () => new DomainError(ErrorCode.NotFound, 'No such batch');
