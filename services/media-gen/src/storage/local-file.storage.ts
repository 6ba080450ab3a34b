import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LRUCache } from 'lru-cache';
import { ByteCounter } from './byte-counter';
import type {
  MediaStorage,
  ObjectPage,
  OpenedObject,
  PresignedUrl,
  StoredObject,
} from './media-storage.port';
import { assertStorageKey } from './storage-key';

const PARTIAL = '.partial';

/** Folders remembered as existing (a user's uploads, a job with several images); older ones are made again. */
const KNOWN_FOLDERS = 1_024;

/**
 * Files in a folder on local disk, one subfolder per user. Writes land under a temporary name and are
 * renamed into place, so a reader never sees half a file and a job run twice leaves one copy.
 */
export class LocalFileStorage implements MediaStorage {
  private readonly root: string;
  /** Folders this process made or wrote into lately. */
  private readonly knownFolders = new LRUCache<string, true>({ max: KNOWN_FOLDERS });

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const partial = this.partialOf(path);
    try {
      await this.inItsFolder(path, () => writeFile(partial, data));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * Removes the temporary files of writes that never finished (the process died mid-write) and were last
   * touched before `before`: old enough that no live write, on any replica sharing the folder, owns them.
   * Returns how many it removed.
   */
  async removeAbandonedWrites(before: Date): Promise<number> {
    let entries;
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith(PARTIAL)) continue;
      const path = join(entry.parentPath, entry.name);
      const stats = await stat(path).catch(() => null);
      if (stats && stats.mtime < before) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async putStream(key: string, body: Readable): Promise<{ bytes: number }> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = this.partialOf(path);
    const counter = new ByteCounter();
    try {
      await pipeline(body, counter, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { bytes: counter.bytes };
  }

  async open(key: string): Promise<OpenedObject | null> {
    const path = this.pathOf(key);
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return null;
      return { body: createReadStream(path), bytes: stats.size };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    const stats = await stat(path).catch(() => null);
    if (stats?.isFile()) await rm(path, { force: true });
  }

  async list(folder: string, page: { limit: number; after?: string }): Promise<ObjectPage> {
    const dir = this.pathOf(folder);
    if (page.after !== undefined) assertStorageKey(page.after);
    let names: string[];
    try {
      names = (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile() && !entry.name.endsWith(PARTIAL))
        .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/'));
    } catch (error) {
      if (isMissing(error)) return { objects: [], next: null };
      throw error;
    }
    const keys = names
      .sort()
      .filter((key) => page.after === undefined || key > page.after)
      .slice(0, page.limit + 1);
    const objects: StoredObject[] = [];
    for (const key of keys.slice(0, page.limit)) {
      const stats = await stat(join(this.root, key)).catch(() => null);
      if (stats) objects.push({ key, bytes: stats.size, lastModified: stats.mtime });
    }
    return { objects, next: keys.length > page.limit ? (keys[page.limit - 1] ?? null) : null };
  }

  /** Local files are only ever served through the gateway's signed URLs. */
  async presignedUrl(key: string): Promise<PresignedUrl | null> {
    this.pathOf(key);
    return null;
  }

  private pathOf(key: string): string {
    assertStorageKey(key);
    const path = join(this.root, key);
    // The key's shape already rules out `..` and absolute paths; this holds even if that check changed.
    if (!path.startsWith(this.root + sep)) throw new Error(`not a storage key: ${key}`);
    return path;
  }

  /**
   * Runs a write of a file at `path` in its folder. A job's results go to a folder of their own, new for
   * its first file, so a folder not written into lately is made first (one `mkdir`, instead of a write
   * that fails, a `mkdir` and the write again); one written into lately is trusted to exist, and made
   * only if the write finds it gone (a `mkdir` per write was a measurable share of a busy worker).
   */
  private async inItsFolder<T>(path: string, write: () => Promise<T>): Promise<T> {
    const folder = dirname(path);
    if (!this.knownFolders.get(folder)) {
      await mkdir(folder, { recursive: true });
      this.knownFolders.set(folder, true);
      return write();
    }
    try {
      return await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(folder, { recursive: true });
      return write();
    }
  }

  private partialOf(path: string): string {
    return `${path}.${randomUUID()}${PARTIAL}`;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
