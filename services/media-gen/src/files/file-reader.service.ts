import { Inject, Injectable } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  MEDIA_DOWNLOADS_BUCKET,
  type FileContent,
  type SignedFileRef,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { JobRepository } from '../jobs/job.repository';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { ResultUrls } from '../jobs/result-urls';

/**
 * Reads a result file for a signed URL: only the user it was signed for, only before it expires, only
 * untouched. Small files travel in the answer itself, larger ones through the downloads bucket.
 */
@Injectable()
export class FileReaderService {
  private readonly downloads: ObjectTransfer;

  constructor(
    bus: Bus,
    private readonly jobs: JobRepository,
    private readonly urls: ResultUrls,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {
    this.downloads = new ObjectTransfer(bus, MEDIA_DOWNLOADS_BUCKET);
  }

  async read(userId: string, ref: SignedFileRef): Promise<FileContent> {
    const check = this.urls.signer.check(userId, ref);
    if (check !== 'valid') {
      throw new DomainError(
        ErrorCode.Forbidden,
        check === 'expired'
          ? 'This file URL has expired; read the job again for a fresh one'
          : 'This file URL is not valid for you',
      );
    }
    const job = await this.jobs.find(userId, ref.jobId);
    const result = job?.results.find((r) => r.index === ref.index);
    const data = result ? await this.storage.get(result.storageKey) : null;
    if (!result || !data) throw new DomainError(ErrorCode.NotFound, 'No such file');
    const content =
      data.byteLength <= this.config.MEDIA_INLINE_FILE_MAX_BYTES
        ? { inline: Buffer.from(data).toString('base64') }
        : { download: await this.downloads.put(data) };
    return { contentType: result.contentType, bytes: data.byteLength, content };
  }
}
