import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import type { MediaStorage } from './media-storage.port';
import { isResultKey } from './result-key';

/**
 * Files in a folder on local disk, one subfolder per user. Writes land under a temporary name and are
 * renamed into place, so a reader never sees half a file and a job run twice leaves one copy.
 */
export class LocalFileStorage implements MediaStorage {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, data);
    await rename(partial, path);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    const path = join(this.root, key);
    // The key's shape already rules out `..` and absolute paths; this holds even if that check changed.
    if (!isResultKey(key) || !path.startsWith(this.root + sep)) throw new Error(`not a storage key: ${key}`);
    return path;
  }
}
