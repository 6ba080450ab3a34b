import { S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { LocalFileStorage } from '../src/storage/local-file.storage';
import type { MediaStorage } from '../src/storage/media-storage.port';
import { resultKey } from '../src/storage/result-key';
import { S3Storage, type S3StorageOptions } from '../src/storage/s3.storage';
import { uploadFolder, uploadKey } from '../src/storage/storage-key';
import { S3_TEST_CREDENTIALS, startS3TestServer, type S3TestServer } from '@conduit/testing';

const MiB = 1024 * 1024;
const FILE_A = '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';
const FILE_B = '7a2d3c0f-2e3b-4d4c-8f90-1b2c3d4e5f60';
const FILE_C = '8b3e4d1a-3f4c-4e5d-9a01-2c3d4e5f6071';

/** An adapter under test, and what differs between adapters: how a URL it hands out is fetched. */
interface Subject {
  storage: MediaStorage;
  /** The same storage as seen `ms` from now (presigned URLs signed then). */
  at(ms: number): MediaStorage;
  /** Commands the S3 client sent so far (empty for the filesystem). */
  commands: string[];
}

interface Adapter {
  name: string;
  start(): Promise<{ subject: Subject; stop(): Promise<void> }>;
}

const localAdapter: Adapter = {
  name: 'local filesystem',
  async start() {
    const root = await mkdtemp(join(tmpdir(), 'conduit-storage-contract-'));
    const storage = new LocalFileStorage(root);
    return {
      subject: { storage, at: () => storage, commands: [] },
      stop: () => rm(root, { recursive: true, force: true }),
    };
  },
};

const s3Adapter: Adapter = {
  name: 'S3 (s3rver, path-style)',
  async start() {
    const server: S3TestServer = await startS3TestServer();
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: S3_TEST_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize' },
    );
    const options: S3StorageOptions = {
      client,
      bucket: server.bucket,
      prefix: 'test-env/',
      partBytes: 5 * MiB,
      queueSize: 2,
    };
    return {
      subject: {
        storage: new S3Storage(options),
        at: (ms) => new S3Storage({ ...options, now: () => new Date(Date.now() + ms) }),
        commands,
      },
      stop: async () => {
        client.destroy();
        await server.close();
      },
    };
  },
};

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A stream that hands out `data` in small chunks, as an upload arrives. */
function trickle(data: Uint8Array, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.byteLength; at += chunk) yield Buffer.from(data.subarray(at, at + chunk));
    })(),
  );
}

describe.each([localAdapter, s3Adapter])('media storage contract: $name', (adapter) => {
  let subject: Subject;
  let stop: () => Promise<void>;
  let storage: MediaStorage;

  beforeAll(async () => {
    ({ subject, stop } = await adapter.start());
    storage = subject.storage;
  });
  afterAll(() => stop?.());

  it('stores a streamed object and gives it back, whole or streamed; a second write replaces it', async () => {
    const key = uploadKey('alice', FILE_A);
    const data = randomBytes(300 * 1024);
    await expect(storage.putStream(key, trickle(data), 'image/png')).resolves.toEqual({
      bytes: data.byteLength,
    });
    expect(sha256((await storage.get(key))!)).toBe(sha256(data));
    const opened = await storage.open(key);
    expect(opened?.bytes).toBe(data.byteLength);
    expect(sha256(await buffer(opened!.body))).toBe(sha256(data));

    await storage.put(key, Buffer.from('second'), 'text/plain');
    expect(Buffer.from((await storage.get(key))!).toString()).toBe('second');
    await storage.delete(key);
  });

  it('answers null for what is not stored', async () => {
    await expect(storage.get(uploadKey('alice', FILE_C))).resolves.toBeNull();
    await expect(storage.open(uploadKey('alice', FILE_C))).resolves.toBeNull();
  });

  it('streams a large object in, in parts, without it ever being whole in one write', async () => {
    const key = uploadKey('alice', FILE_B);
    const data = randomBytes(12 * MiB + 12345);
    subject.commands.length = 0;
    await expect(storage.putStream(key, trickle(data), 'video/mp4')).resolves.toEqual({
      bytes: data.byteLength,
    });
    const opened = await storage.open(key);
    expect(opened?.bytes).toBe(data.byteLength);
    expect(sha256(await buffer(opened!.body))).toBe(sha256(data));
    if (adapter === s3Adapter) {
      // 5 MiB parts: three of them, then the upload is completed (one PUT could not have held it).
      expect(subject.commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
      expect(subject.commands).toContain('CompleteMultipartUploadCommand');
      expect(subject.commands).not.toContain('PutObjectCommand');
    }
    await storage.delete(key);
  });

  it('leaves nothing behind when the stream fails half way', async () => {
    const key = uploadKey('alice', FILE_C);
    const failing = Readable.from(
      (function* () {
        yield randomBytes(6 * MiB);
        throw new Error('client went away');
      })(),
    );
    await expect(storage.putStream(key, failing, 'image/png')).rejects.toThrow();
    await expect(storage.get(key)).resolves.toBeNull();
    expect((await storage.list(uploadFolder('alice'), { limit: 10 })).objects).toEqual([]);
  });

  it('hands out a presigned URL that works, then expires (S3); the filesystem has none of its own', async () => {
    const key = uploadKey('alice', FILE_A);
    await storage.put(key, Buffer.from('signed content'), 'text/plain');
    const signed = await storage.presignedUrl(key, 60_000);
    if (adapter === localAdapter) {
      expect(signed).toBeNull();
    } else {
      expect(signed!.expiresAt.getTime()).toBeGreaterThan(Date.now());
      const ok = await fetch(signed!.url);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('signed content');
      // Signed two hours ago for one minute: expired, and S3 says so.
      const old = await subject.at(-2 * 3_600_000).presignedUrl(key, 60_000);
      expect(old!.expiresAt.getTime()).toBeLessThan(Date.now());
      const expired = await fetch(old!.url);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toMatch(/expired/i);
      // s3rver checks the expiry but not SigV4 signatures themselves: a tampered URL is real S3's to refuse.
    }
    await storage.delete(key);
  });

  it('deletes, and deleting what is not there is no error', async () => {
    const key = uploadKey('alice', FILE_A);
    await storage.put(key, Buffer.from('x'), 'text/plain');
    await storage.delete(key);
    await expect(storage.get(key)).resolves.toBeNull();
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it("lists one user's folder only, a page at a time", async () => {
    const alice = [FILE_A, FILE_B, FILE_C].map((id) => uploadKey('alice', id));
    const bob = uploadKey('bob', FILE_A);
    for (const key of [...alice, bob]) await storage.put(key, Buffer.from(key), 'text/plain');
    await storage.put(resultKey('alice', FILE_A, 0), Buffer.from('a result'), 'image/png');

    const first = await storage.list(uploadFolder('alice'), { limit: 2 });
    expect(first.objects.map((o) => o.key)).toEqual(alice.slice(0, 2));
    expect(first.objects[0]!.bytes).toBe(alice[0]!.length);
    expect(Math.abs(first.objects[0]!.lastModified.getTime() - Date.now())).toBeLessThan(3_600_000);
    expect(first.next).not.toBeNull();
    const second = await storage.list(uploadFolder('alice'), { limit: 2, after: first.next! });
    expect(second.objects.map((o) => o.key)).toEqual(alice.slice(2));
    expect(second.next).toBeNull();
    expect((await storage.list(uploadFolder('bob'), { limit: 10 })).objects.map((o) => o.key)).toEqual([bob]);
    expect((await storage.list(uploadFolder('carol'), { limit: 10 })).objects).toEqual([]);

    for (const key of [...alice, bob, resultKey('alice', FILE_A, 0)]) await storage.delete(key);
  });

  it('refuses keys with path tricks, whatever the method', async () => {
    const tricks = [
      '../outside',
      '/etc/passwd',
      `${uploadFolder('alice')}/../../x`,
      `${uploadFolder('alice')}/./x`,
      `${uploadFolder('alice')}//x`,
      `${uploadFolder('alice')}/`,
      `${uploadFolder('alice')}\\..\\x`,
      `${uploadFolder('alice')}/%2e%2e`,
      `${uploadFolder('alice')}/.hidden`,
      `${uploadFolder('alice')}/x\u0000`,
      'UPPER/case',
      '',
    ];
    for (const key of tricks) {
      await expect(storage.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow('not a storage key');
      await expect(storage.putStream(key, trickle(Buffer.from('x')), 'text/plain')).rejects.toThrow(
        'not a storage key',
      );
      await expect(storage.get(key)).rejects.toThrow('not a storage key');
      await expect(storage.open(key)).rejects.toThrow('not a storage key');
      await expect(storage.delete(key)).rejects.toThrow('not a storage key');
      await expect(storage.list(key, { limit: 1 })).rejects.toThrow('not a storage key');
      await expect(storage.presignedUrl(key, 1000)).rejects.toThrow('not a storage key');
    }
    await expect(storage.list(uploadFolder('alice'), { limit: 1, after: '../x' })).rejects.toThrow(
      'not a storage key',
    );
  });
});

describe('S3 storage per environment', () => {
  let server: S3TestServer;
  let client: S3Client;
  beforeAll(async () => {
    server = await startS3TestServer('conduit-shared');
    client = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: S3_TEST_CREDENTIALS,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it('keeps the environments sharing a bucket apart by their prefixes', async () => {
    const of = (prefix: string) =>
      new S3Storage({ client, bucket: server.bucket, prefix, partBytes: 5 * MiB, queueSize: 1 });
    const production = of('production/');
    const staging = of('staging/');
    const key = uploadKey('alice', FILE_A);
    await production.put(key, Buffer.from('production copy'), 'text/plain');
    await expect(staging.get(key)).resolves.toBeNull();
    expect((await staging.list(uploadFolder('alice'), { limit: 10 })).objects).toEqual([]);
    expect((await production.list(uploadFolder('alice'), { limit: 10 })).objects.map((o) => o.key)).toEqual([
      key,
    ]);
  });
});
