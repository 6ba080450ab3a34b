/**
 * Where generated files are kept. Keys are made by {@link resultKey} only (never from client input),
 * and an adapter refuses any other shape, so no key can reach outside its owner's files.
 */
export interface MediaStorage {
  /** Stores `data` under `key`, replacing what was there (a job run again writes the same keys). */
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The file's bytes, or null when nothing is stored under `key`. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes the file under `key`; nothing happens when there is none. */
  delete(key: string): Promise<void>;
}

export const MEDIA_STORAGE = Symbol('media-storage');
