import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type * as FileType from 'file-type' with { 'resolution-mode': 'import' };
import { DomainError, ErrorCode, type InputImageRef, type StoredInputImage } from '@conduit/contracts';
import { JobRepository } from './job.repository';
import type { InputImage } from '../providers/image-generator.port';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { resultKey } from '../storage/result-key';

// file-type is ESM-only: Node 22 loads it with require() (require(esm)), which TypeScript's node16
// module mode does not model, so the types are imported as ESM and the module required.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fileTypeFromBuffer } = require('file-type') as typeof FileType;

/** Which input a picture is: the image (to edit, or a clip's first frame) or an edit's mask. */
export type InputImageRole = 'image' | 'mask';

/** Where a job's uploaded inputs are kept: beside its results, at indexes no result takes. */
const STORAGE_INDEX: Readonly<Record<InputImageRole, number>> = { image: 999, mask: 998 };

/**
 * The pictures jobs start from (an image to edit and its mask, a clip's first frame): an image result of
 * the caller's own, or an upload checked by its bytes (not its declared type) and kept in storage, so the
 * job's row holds only its digest. A mask must be a PNG (its transparency is what it says).
 */
@Injectable()
export class InputImages {
  constructor(
    private readonly jobs: JobRepository,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
  ) {}

  /**
   * Checks a job's input pictures and says how the job stores them, with `keep` to store their uploads
   * once the job has an id (before it is queued).
   */
  async acceptAll(
    userId: string,
    refs: Partial<Record<InputImageRole, InputImageRef>>,
  ): Promise<{
    stored: Partial<Record<InputImageRole, StoredInputImage>>;
    keep(jobId: string): Promise<void>;
  }> {
    const stored: Partial<Record<InputImageRole, StoredInputImage>> = {};
    const uploads: { role: InputImageRole; data: Uint8Array; contentType: string }[] = [];
    for (const role of ['image', 'mask'] as const) {
      const ref = refs[role];
      if (!ref) continue;
      const accepted = await this.accept(userId, role, ref);
      stored[role] = accepted.stored;
      if (accepted.upload && 'upload' in ref)
        uploads.push({ role, data: accepted.upload, contentType: ref.upload.contentType });
    }
    return {
      stored,
      keep: async (jobId) => {
        for (const upload of uploads)
          await this.keepUpload(userId, jobId, upload.role, upload.data, upload.contentType);
      },
    };
  }

  /**
   * Checks the requested image and says how the job stores it, with the upload's bytes to keep once
   * the job has an id. NOT_FOUND for a file that is not one of the caller's images; VALIDATION_FAILED
   * for an upload that is not the image it says it is.
   */
  private async accept(
    userId: string,
    role: InputImageRole,
    image: InputImageRef,
  ): Promise<{ stored: StoredInputImage; upload: Uint8Array | null }> {
    if ('file' in image) {
      const file = await this.readFile(userId, image.file);
      if (role === 'mask' && file.contentType !== 'image/png') throw notPng(`${role}.file`, file.contentType);
      return { stored: image, upload: null };
    }
    const data = Buffer.from(image.upload.base64, 'base64');
    const sniffed = await fileTypeFromBuffer(data);
    if (sniffed?.mime !== image.upload.contentType) {
      throw new DomainError(ErrorCode.ValidationFailed, `The uploaded ${role} is not what it says it is`, {
        fields: [
          {
            path: `${role}.upload.base64`,
            message: `declared ${image.upload.contentType}, but the bytes are ${sniffed?.mime ?? 'of no known image type'}`,
          },
        ],
      });
    }
    if (role === 'mask' && sniffed.mime !== 'image/png') throw notPng(`${role}.upload`, sniffed.mime);
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
  private async keepUpload(
    userId: string,
    jobId: string,
    role: InputImageRole,
    data: Uint8Array,
    contentType: string,
  ): Promise<void> {
    await this.storage.put(resultKey(userId, jobId, STORAGE_INDEX[role]), data, contentType);
  }

  /** The job's input image, for its run; VALIDATION_FAILED when it is gone (no retry brings it back). */
  async load(
    userId: string,
    jobId: string,
    role: InputImageRole,
    image: StoredInputImage,
  ): Promise<InputImage> {
    if ('file' in image) return this.readFile(userId, image.file);
    const data = await this.storage.get(resultKey(userId, jobId, STORAGE_INDEX[role]));
    if (!data) {
      throw new DomainError(ErrorCode.ValidationFailed, `The uploaded ${role} is no longer stored`);
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

function notPng(path: string, contentType: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, 'A mask must be a PNG', {
    fields: [
      { path, message: `must be image/png (its transparent pixels are the mask), not ${contentType}` },
    ],
  });
}
