import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileStorage } from './local-file.storage';
import type { MediaStorage } from './media-storage.port';
import { isResultKey, resultKey } from './result-key';

const JOB = '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';

describe('LocalFileStorage', () => {
  let root: string;
  let storage: MediaStorage;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'media-storage-'));
    storage = new LocalFileStorage(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('keeps files under a folder per user, replacing them in place when written again', async () => {
    const key = resultKey('../../etc/passwd', JOB, 0);
    expect(isResultKey(key)).toBe(true);
    expect(key.startsWith(resultKey('another user', JOB, 0).slice(0, 32))).toBe(false);
    await storage.put(key, Buffer.from('first'), 'image/png');
    await storage.put(key, Buffer.from('second'), 'image/png');
    expect(Buffer.from((await storage.get(key))!).toString()).toBe('second');
    expect(await readdir(join(root, key.split('/')[0]!, JOB))).toEqual(['0']);
    expect(await storage.get(resultKey('someone', JOB, 1))).toBeNull();
  });

  it('writes into a folder removed since it last wrote there, and into a new one for each job', async () => {
    const first = resultKey('user', JOB, 0);
    await storage.put(first, Buffer.from('a'), 'image/png');
    await rm(join(root, first.split('/')[0]!), { recursive: true });
    await storage.put(resultKey('user', JOB, 1), Buffer.from('b'), 'image/png');
    const other = resultKey('user', '7a2d3c0f-2e3b-4d4c-8f90-1b2c3d4e5f60', 0);
    await storage.put(other, Buffer.from('c'), 'image/png');
    expect(await storage.get(first)).toBeNull();
    expect(Buffer.from((await storage.get(resultKey('user', JOB, 1)))!).toString()).toBe('b');
    expect(Buffer.from((await storage.get(other))!).toString()).toBe('c');
  });

  it('deletes a file, and a key with nothing under it quietly', async () => {
    const key = resultKey('user', JOB, 0);
    await storage.put(key, Buffer.from('x'), 'application/jsonl');
    await storage.delete(key);
    expect(await storage.get(key)).toBeNull();
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it('refuses any key that is not one it makes', async () => {
    for (const key of [
      '../outside',
      '/etc/passwd',
      `${'a'.repeat(32)}/${JOB}/../../x`,
      `${'a'.repeat(32)}/x/.0`,
    ]) {
      await expect(storage.put(key, Buffer.from('x'), 'image/png')).rejects.toThrow('not a storage key');
      await expect(storage.get(key)).rejects.toThrow('not a storage key');
      await expect(storage.delete(key)).rejects.toThrow('not a storage key');
    }
  });

  it('removes the temporary files of writes a crash left, once they are old enough, and nothing else', async () => {
    const local = new LocalFileStorage(root);
    const key = resultKey('user', JOB, 0);
    await local.put(key, Buffer.from('kept'));
    const folder = join(root, key.split('/')[0]!, JOB);
    const stale = join(folder, '1.0a1b.partial');
    const fresh = join(folder, '2.0a1c.partial');
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    expect(await local.removeAbandonedWrites(new Date(Date.now() - 60_000))).toBe(1);
    expect((await readdir(folder)).sort()).toEqual(['0', '2.0a1c.partial']);
    expect(Buffer.from((await local.get(key))!).toString()).toBe('kept');
    expect(await new LocalFileStorage(join(root, 'nothing-here')).removeAbandonedWrites(new Date())).toBe(0);
  });
});
