import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type * as FileType from 'file-type' with { 'resolution-mode': 'import' };
import { DomainError, ErrorCode, type StoredVideoJobInput, type VideoJobInput } from '@conduit/contracts';
import { JobRepository } from './job.repository';
import type { InputImage } from '../providers/video-generator.port';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { resultKey } from '../storage/result-key';

// file-type is ESM-only: Node 22 loads it with require() (require(esm)), which TypeScript's node16
// module mode does not model, so the types are imported as ESM and the module required.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fileTypeFromBuffer } = require('file-type') as typeof FileType;

/** Where a job's uploaded input image is kept: beside its results, at an index no result takes. */
const INPUT_IMAGE_INDEX = 999;

type RequestedImage = NonNullable<VideoJobInput['image']>;
type StoredImage = NonNullable<StoredVideoJobInput['image']>;

/**
 * The pictures image-to-video jobs start from: an image result of the caller's own, or an upload checked
 * by its bytes (not its declared type) and kept in storage, so the job's row holds only its digest.
 */
@Injectable()
export class InputImages {
  constructor(
    private readonly jobs: JobRepository,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
  ) {}

  /**
   * Checks the requested image and says how the job stores it, with the upload's bytes to keep once
   * the job has an id. NOT_FOUND for a file that is not one of the caller's images; VALIDATION_FAILED
   * for an upload that is not the image it says it is.
   */
  async accept(
    userId: string,
    image: RequestedImage,
  ): Promise<{ stored: StoredImage; upload: Uint8Array | null }> {
    if ('file' in image) {
      await this.readFile(userId, image.file);
      return { stored: image, upload: null };
    }
    const data = Buffer.from(image.upload.base64, 'base64');
    const sniffed = await fileTypeFromBuffer(data);
    if (sniffed?.mime !== image.upload.contentType) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The uploaded image is not what it says it is', {
        fields: [
          {
            path: 'image.upload.base64',
            message: `declared ${image.upload.contentType}, but the bytes are ${sniffed?.mime ?? 'of no known image type'}`,
          },
        ],
      });
    }
    return {
      stored: {
        upload: {
          contentType: image.upload.contentType,
          bytes: data.byteLength,
          sha256: createHash('sha256').update(data).digest('hex'),
        },
      },
      upload: data,
    };
  }

  /** Keeps an accepted upload for the job (again for a retried create: the same bytes, the same key). */
  async keepUpload(userId: string, jobId: string, data: Uint8Array, contentType: string): Promise<void> {
    await this.storage.put(resultKey(userId, jobId, INPUT_IMAGE_INDEX), data, contentType);
  }

  /** The job's input image, for its run; VALIDATION_FAILED when it is gone (no retry brings it back). */
  async load(userId: string, jobId: string, image: StoredImage): Promise<InputImage> {
    if ('file' in image) return this.readFile(userId, image.file);
    const data = await this.storage.get(resultKey(userId, jobId, INPUT_IMAGE_INDEX));
    if (!data) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The uploaded input image is no longer stored');
    }
    return { data, contentType: image.upload.contentType };
  }

  private async readFile(userId: string, ref: { jobId: string; index: number }): Promise<InputImage> {
    const job = await this.jobs.find(userId, ref.jobId);
    const result = job?.status === 'succeeded' ? job.results.find((r) => r.index === ref.index) : undefined;
    const data = result?.contentType.startsWith('image/') ? await this.storage.get(result.storageKey) : null;
    if (!result || !data) {
      throw new DomainError(
        ErrorCode.NotFound,
        'No such image: name an image result of a succeeded job of yours',
        {
          jobId: ref.jobId,
          index: ref.index,
        },
      );
    }
    return { data, contentType: result.contentType };
  }
}
