import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus, ObjectTransfer } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  MEDIA_BATCH_FILES_BUCKET,
  type BatchFileList,
  type BatchFileObject,
  type FileContent,
  type ListBatchFilesQuery,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { resultKey } from '../storage/result-key';
import { BatchFileRepository } from './batch-file.repository';
import { fileIdOf, fileUuidOf } from './batch-ids';
import { toFileObject, toListPage } from './batch-objects';
import { readRequestFile } from './batch-request-file';
import { JSONL_CONTENT_TYPE } from './batch-responses';
import { BatchRepository } from './batch.repository';

/**
 * Batch files, always the caller's: request files are checked whole before anything is kept (a file
 * that is not JSONL, too large, or repeats a custom_id is refused and leaves nothing behind), then kept
 * in the media storage with a row naming them.
 */
@Injectable()
export class BatchFilesService {
  private readonly transfer: ObjectTransfer;

  constructor(
    bus: Bus,
    private readonly files: BatchFileRepository,
    private readonly batches: BatchRepository,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {
    this.transfer = new ObjectTransfer(bus, MEDIA_BATCH_FILES_BUCKET);
  }

  async upload(userId: string, upload: { upload: string; filename: string }): Promise<BatchFileObject> {
    const data = await this.transfer.take(upload.upload, this.config.MEDIA_BATCH_MAX_FILE_BYTES);
    const lines = readRequestFile(data, this.config.MEDIA_BATCH_MAX_REQUESTS);
    const id = randomUUID();
    const storageKey = resultKey(userId, id, 0);
    await this.storage.put(storageKey, data, JSONL_CONTENT_TYPE);
    try {
      const file = await this.files.insert({
        id,
        userId,
        purpose: 'batch',
        filename: upload.filename,
        bytes: data.byteLength,
        lines: lines.length,
        storageKey,
      });
      return toFileObject(file);
    } catch (error) {
      await this.storage.delete(storageKey).catch(() => undefined);
      throw error;
    }
  }

  async get(userId: string, fileId: string): Promise<BatchFileObject> {
    return toFileObject(await this.require(userId, fileId));
  }

  async list(userId: string, query: ListBatchFilesQuery): Promise<BatchFileList> {
    const files = await this.files.list(userId, {
      ...query,
      limit: query.limit + 1,
      ...(query.after ? { after: fileUuidOf(query.after) } : {}),
    });
    return toListPage(files.map(toFileObject), query.limit);
  }

  async delete(userId: string, fileId: string) {
    const file = await this.require(userId, fileId);
    if (await this.batches.isFileInUse(file.id))
      throw new DomainError(ErrorCode.Conflict, 'A batch is still reading this file; try again once it runs');
    if (!(await this.files.delete(userId, file.id))) throw notFound();
    await this.storage.delete(file.storageKey);
    return { id: fileIdOf(file.id), object: 'file' as const, deleted: true as const };
  }

  /** The file's bytes: in the answer when small, else through the batch files bucket. */
  async content(userId: string, fileId: string): Promise<FileContent> {
    const file = await this.require(userId, fileId);
    const data = await this.storage.get(file.storageKey);
    if (!data) throw notFound();
    const content =
      data.byteLength <= this.config.MEDIA_INLINE_FILE_MAX_BYTES
        ? { inline: Buffer.from(data).toString('base64') }
        : { download: await this.transfer.put(data) };
    return { contentType: JSONL_CONTENT_TYPE, bytes: data.byteLength, content };
  }

  private async require(userId: string, fileId: string) {
    const file = await this.files.find(userId, fileUuidOf(fileId));
    if (!file) throw notFound();
    return file;
  }
}

const notFound = () => new DomainError(ErrorCode.NotFound, 'No such file');
