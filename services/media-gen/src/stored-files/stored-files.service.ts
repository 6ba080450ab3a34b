import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Bus, ObjectTransfer } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  MEDIA_DOWNLOADS_BUCKET,
  MEDIA_UPLOADS_BUCKET,
  type ListStoredFilesQuery,
  type SignedStoredFileRef,
  type StoredFile,
  type StoredFileContent,
  type StoredFilePage,
} from '@conduit/contracts';
import type { MediaGenConfig } from '../config';
import { decodeSeqCursor, encodeSeqCursor, InjectConfig } from '@conduit/service-kit';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { SignedUrls } from '../storage/signed-urls';
import { uploadKey } from '../storage/storage-key';
import { peekStream } from './peek-stream';
import { StoredFileRepository, type StoredFileRow } from './stored-file.repository';
import { SNIFF_BYTES, uploadTypeOf } from './upload-type';

const CURSOR_TAG = 'f';
const notFound = (id: string) => new DomainError(ErrorCode.NotFound, 'No such file', { id });

/**
 * Files users upload to keep: streamed from the uploads bucket into storage (never whole in memory), the
 * type told from the content, one record per file; read through signed URLs; every call for one user.
 */
@Injectable()
export class StoredFilesService {
  private readonly uploads: ObjectTransfer;
  private readonly downloads: ObjectTransfer;

  constructor(
    bus: Bus,
    private readonly files: StoredFileRepository,
    private readonly signer: SignedUrls,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {
    this.uploads = new ObjectTransfer(bus, MEDIA_UPLOADS_BUCKET);
    this.downloads = new ObjectTransfer(bus, MEDIA_DOWNLOADS_BUCKET);
  }

  async store(
    userId: string,
    request: { upload: string; filename?: string; declaredType?: string },
  ): Promise<StoredFile> {
    const upload = await this.uploads.takeStream(request.upload, this.config.MEDIA_FILE_MAX_BYTES);
    try {
      return await this.storeStream(userId, upload.stream, request);
    } finally {
      // Read or not, the upload is done with: destroying the stream removes it from the bucket.
      upload.stream.destroy();
    }
  }

  private async storeStream(
    userId: string,
    source: Readable,
    request: { filename?: string; declaredType?: string },
  ): Promise<StoredFile> {
    const peeked = await peekStream(source, SNIFF_BYTES);
    if (peeked.head.byteLength === 0) throw new DomainError(ErrorCode.ValidationFailed, 'The file is empty');
    const contentType = await uploadTypeOf(peeked.head, request.declaredType);
    const id = randomUUID();
    const storageKey = uploadKey(userId, id);
    const hash = createHash('sha256');
    async function* hashing(chunks: Readable): AsyncGenerator<Buffer> {
      for await (const chunk of chunks) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    }
    const { bytes } = await this.storage.putStream(
      storageKey,
      Readable.from(hashing(peeked.whole), { objectMode: false }),
      contentType,
    );
    try {
      const row = await this.files.insert({
        id,
        userId,
        filename: request.filename ?? null,
        contentType,
        bytes,
        sha256: hash.digest('hex'),
        storageKey,
      });
      return await this.present(row);
    } catch (error) {
      await this.storage.delete(storageKey);
      throw error;
    }
  }

  async get(userId: string, id: string): Promise<StoredFile> {
    const row = await this.files.find(userId, id);
    if (!row) throw notFound(id);
    return this.present(row);
  }

  async list(userId: string, query: ListStoredFilesQuery): Promise<StoredFilePage> {
    const beforeSeq = query.cursor === undefined ? undefined : decodeSeqCursor(CURSOR_TAG, query.cursor);
    const rows = await this.files.list(userId, {
      limit: query.limit + 1,
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: await Promise.all(page.map((row) => this.present(row))),
      nextCursor: rows.length > query.limit && last ? encodeSeqCursor(CURSOR_TAG, last.seq) : null,
    };
  }

  /** The stored bytes go first: a failure leaves the record, so deleting again finishes the job. */
  async delete(userId: string, id: string): Promise<{ id: string; deleted: true }> {
    const row = await this.files.find(userId, id);
    if (!row) throw notFound(id);
    await this.storage.delete(row.storageKey);
    if (!(await this.files.delete(userId, id))) throw notFound(id);
    return { id, deleted: true };
  }

  async read(userId: string, ref: SignedStoredFileRef): Promise<StoredFileContent> {
    const check = this.signer.checkStoredFile(userId, ref);
    if (check !== 'valid') {
      throw new DomainError(
        ErrorCode.Forbidden,
        check === 'expired'
          ? 'This file URL has expired; read the file again for a fresh one'
          : 'This file URL is not valid for you',
      );
    }
    const row = await this.files.find(userId, ref.id);
    const opened = row ? await this.storage.open(row.storageKey) : null;
    if (!row || !opened) throw notFound(ref.id);
    const content =
      opened.bytes <= this.config.MEDIA_INLINE_FILE_MAX_BYTES
        ? { inline: (await buffer(opened.body)).toString('base64') }
        : {
            download: await this.downloads.put(
              Readable.toWeb(opened.body) as WebReadableStream<Uint8Array> as ReadableStream<Uint8Array>,
            ),
          };
    return { contentType: row.contentType, bytes: opened.bytes, filename: row.filename, content };
  }

  private async present(row: StoredFileRow): Promise<StoredFile> {
    const direct = this.config.MEDIA_STORAGE_DIRECT_URLS
      ? await this.storage.presignedUrl(row.storageKey, this.config.MEDIA_URL_TTL_MS)
      : null;
    const signed = direct ?? this.signer.signStoredFile(row.userId, row.id);
    return {
      id: row.id,
      filename: row.filename,
      contentType: row.contentType,
      bytes: row.bytes,
      sha256: row.sha256,
      url: signed.url,
      urlExpiresAt: signed.expiresAt.toISOString(),
      createdAt: row.createdAt.toISOString(),
    };
  }
}
