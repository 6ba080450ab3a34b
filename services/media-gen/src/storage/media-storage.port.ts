import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  bytes: number;
  lastModified: Date;
}

export interface ObjectPage {
  /** In key order. */
  objects: StoredObject[];
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null;
}

export interface OpenedObject {
  body: Readable;
  bytes: number;
}

/** A URL the storage itself serves an object at (S3's presigned GET), until `expiresAt`. */
export interface PresignedUrl {
  url: string;
  expiresAt: Date;
}

/**
 * Where generated and uploaded files are kept. Keys are made by `result-key.ts` and `storage-key.ts`
 * only (never from client input), and an adapter refuses any other shape, so no key can reach outside
 * its owner's files. Adapters: the local filesystem (default) and S3 or an S3-compatible server.
 */
export interface MediaStorage {
  /** Stores `data` under `key`, replacing what was there (a job run again writes the same keys). */
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The file's bytes, or null when nothing is stored under `key`. */
  get(key: string): Promise<Uint8Array | null>;
  /**
   * Streams `body` in under `key` as it arrives (S3: a multipart upload for large objects), never holding
   * it whole; replaces what was there. When the stream fails, nothing is left under `key`.
   */
  putStream(key: string, body: Readable, contentType: string): Promise<{ bytes: number }>;
  /** The object as a stream, or null when nothing is stored under `key`. */
  open(key: string): Promise<OpenedObject | null>;
  /** Removes the object; nothing happens when there is none. */
  delete(key: string): Promise<void>;
  /** The objects under the folder `folder` (a key prefix ending at a `/`), a page at a time. */
  list(folder: string, page: { limit: number; after?: string }): Promise<ObjectPage>;
  /**
   * A URL anyone holding it can GET the object at until `ttlMs` has passed; null when the storage serves
   * nothing itself (the local filesystem: files are then read through the gateway's signed URLs).
   */
  presignedUrl(key: string, ttlMs: number): Promise<PresignedUrl | null>;
}

export const MEDIA_STORAGE = Symbol('media-storage');
