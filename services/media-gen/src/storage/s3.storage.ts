import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { ByteCounter } from './byte-counter';
import type {
  MediaStorage,
  ObjectPage,
  OpenedObject,
  PresignedUrl,
  StoredObject,
} from './media-storage.port';
import { assertStorageKey } from './storage-key';

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Put before every key: one bucket can hold several environments (`production/`, `staging/`). */
  prefix: string;
  /** Objects larger than this go up in parts of this size (S3's minimum is 5 MiB). */
  partBytes: number;
  /** Parts uploaded at once; at most `partBytes * queueSize` bytes are held in memory. */
  queueSize: number;
  /** When presigned URLs are signed; the clock unless a test moves it. */
  now?: () => Date;
}

/** Longest validity S3 accepts for a presigned URL (SigV4). */
const MAX_PRESIGN_SECONDS = 604_800;

/**
 * Objects in an S3 bucket (AWS, or an S3-compatible server such as MinIO, R2 or Ceph) under one prefix,
 * through the official SDK: streamed uploads (multipart past one part), streamed reads, presigned GETs.
 */
export class S3Storage implements MediaStorage {
  constructor(private readonly options: S3StorageOptions) {}

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.objectKey(key),
        Body: data,
        ContentType: contentType,
        ContentLength: data.byteLength,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | null> {
    const answer = await this.getObject(key);
    return answer?.Body ? await answer.Body.transformToByteArray() : null;
  }

  async putStream(key: string, body: Readable, contentType: string): Promise<{ bytes: number }> {
    const counter = new ByteCounter();
    body.once('error', (error) => counter.destroy(error));
    const upload = new Upload({
      client: this.options.client,
      params: {
        Bucket: this.options.bucket,
        Key: this.objectKey(key),
        Body: body.pipe(counter),
        ContentType: contentType,
      },
      partSize: this.options.partBytes,
      queueSize: this.options.queueSize,
      // A failed multipart upload is aborted, so no parts are left behind (and billed) in the bucket.
      leavePartsOnError: false,
    });
    await upload.done();
    return { bytes: counter.bytes };
  }

  async open(key: string): Promise<OpenedObject | null> {
    const answer = await this.getObject(key);
    if (!answer) return null;
    if (!(answer.Body instanceof Readable))
      throw new Error('the S3 client did not answer with a Node stream');
    return { body: answer.Body, bytes: answer.ContentLength ?? 0 };
  }

  async delete(key: string): Promise<void> {
    await this.options.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
    );
  }

  async list(folder: string, page: { limit: number; after?: string }): Promise<ObjectPage> {
    const prefix = `${this.objectKey(folder)}/`;
    if (page.after !== undefined) assertStorageKey(page.after);
    // ListObjects (v1): its Marker is exactly `after` (paging by key), and every S3-compatible server has it.
    const answer = await this.options.client.send(
      new ListObjectsCommand({
        Bucket: this.options.bucket,
        Prefix: prefix,
        MaxKeys: page.limit,
        ...(page.after !== undefined ? { Marker: this.objectKey(page.after) } : {}),
      }),
    );
    const objects: StoredObject[] = (answer.Contents ?? []).flatMap((object) =>
      object.Key?.startsWith(this.options.prefix)
        ? [
            {
              key: object.Key.slice(this.options.prefix.length),
              bytes: object.Size ?? 0,
              lastModified: object.LastModified ?? new Date(0),
            },
          ]
        : [],
    );
    const last = objects.at(-1);
    return { objects, next: answer.IsTruncated && last ? last.key : null };
  }

  async presignedUrl(key: string, ttlMs: number): Promise<PresignedUrl> {
    const seconds = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.ceil(ttlMs / 1000)));
    const signingDate = this.options.now?.() ?? new Date();
    const url = await getSignedUrl(
      this.options.client,
      new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      { expiresIn: seconds, signingDate },
    );
    return { url, expiresAt: new Date(Math.floor(signingDate.getTime() / 1000) * 1000 + seconds * 1000) };
  }

  private async getObject(key: string) {
    try {
      const answer = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      );
      return answer;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private objectKey(key: string): string {
    assertStorageKey(key);
    return `${this.options.prefix}${key}`;
  }
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}
