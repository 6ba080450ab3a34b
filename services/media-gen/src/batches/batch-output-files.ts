import { Inject, Injectable } from '@nestjs/common';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { resultKey } from '../storage/result-key';
import type { StoredBatchFile } from './batch-file.repository';
import { batchIdOf, derivedUuid, requestIdOf } from './batch-ids';
import { outputLine } from './batch-responses';
import { BatchRepository, type StoredBatch } from './batch.repository';
import { JSONL_CONTENT_TYPE } from './batch-responses';

type NewFile = Omit<StoredBatchFile, 'createdAt'>;

/** Lines that never ran because the batch's window closed first, as OpenAI writes them. */
const EXPIRED_ERROR = {
  code: 'batch_expired',
  message: 'This request could not be executed before the completion window expired.',
};

/**
 * Writes a batch's output file (the lines that succeeded) and error file (the ones that failed, and for an
 * expired batch the ones never run), in line order and OpenAI's line format. Their ids are derived from
 * the batch's, so writing them again after a crash overwrites the same files.
 */
@Injectable()
export class BatchOutputFiles {
  constructor(
    private readonly batches: BatchRepository,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
  ) {}

  async write(
    batch: StoredBatch,
    expired: boolean,
  ): Promise<{ output: NewFile | null; error: NewFile | null }> {
    const output: string[] = [];
    const errors: string[] = [];
    for (const request of await this.batches.allRequests(batch.id)) {
      const id = requestIdOf(batch.id, request.line);
      if (request.status === 'succeeded')
        output.push(outputLine(id, request.customId, request.response, null));
      else if (request.status === 'failed')
        errors.push(outputLine(id, request.customId, request.response, request.error));
      else if (expired) errors.push(outputLine(id, request.customId, null, EXPIRED_ERROR));
    }
    return {
      output: await this.store(batch, 'output', output),
      error: await this.store(batch, 'error', errors),
    };
  }

  private async store(
    batch: StoredBatch,
    kind: 'output' | 'error',
    lines: string[],
  ): Promise<NewFile | null> {
    if (lines.length === 0) return null;
    const id = derivedUuid(batch.id, kind);
    const data = Buffer.from(lines.join('\n') + '\n');
    const storageKey = resultKey(batch.userId, id, 0);
    await this.storage.put(storageKey, data, JSONL_CONTENT_TYPE);
    return {
      id,
      userId: batch.userId,
      purpose: 'batch_output',
      filename: `${batchIdOf(batch.id)}_${kind}.jsonl`,
      bytes: data.byteLength,
      lines: null,
      storageKey,
    };
  }
}
