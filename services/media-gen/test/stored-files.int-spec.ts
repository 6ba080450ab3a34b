import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { ErrorCode, MEDIA_UPLOADS_BUCKET, MediaStorageContract } from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { isolatedNamespace, startS3TestServer, testEnv, type S3TestServer } from '@conduit/testing';
import { startMediaGen } from '../src/app';
import { loadMediaGenConfig } from '../src/config';

const MAX_BYTES = 64 * 1024;

/**
 * Stored files on the bus, with S3 storage (s3rver) and direct downloads: what the gateway cannot send
 * (names that are paths, uploads that are gone) is refused here too, and the URLs are the bucket's own.
 */
describe('media-gen stored files on the bus, S3 with direct URLs', () => {
  let app: NestFastifyApplication;
  let bus: Bus;
  let uploads: ObjectTransfer;
  let s3: S3TestServer;
  let drop: () => Promise<void>;
  const alice = { userId: 'alice' };
  const bob = { userId: 'bob' };

  beforeAll(async () => {
    const namespace = isolatedNamespace('media-gen');
    const infra = testEnv();
    const schema = namespace.schemaFor('media-gen');
    ({ drop } = await migrateServiceSchema('media-gen', infra.databaseUrl, schema));
    s3 = await startS3TestServer();
    app = await startMediaGen(
      loadMediaGenConfig({
        NATS_URL: infra.natsUrl,
        NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
        DATABASE_URL: infra.databaseUrl,
        DATABASE_SCHEMA: schema,
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
        MEDIA_STORAGE: 's3',
        MEDIA_S3_BUCKET: s3.bucket,
        MEDIA_S3_ENDPOINT: s3.endpoint,
        MEDIA_S3_FORCE_PATH_STYLE: 'true',
        MEDIA_S3_ACCESS_KEY_ID: 'S3RVER',
        MEDIA_S3_SECRET_ACCESS_KEY: 'S3RVER',
        MEDIA_STORAGE_DIRECT_URLS: 'true',
        MEDIA_FILE_MAX_BYTES: String(MAX_BYTES),
        MEDIA_WORKER_ENABLED: 'false',
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
      }),
    );
    bus = await Bus.connect({
      url: infra.natsUrl,
      name: 'media-gen-files-test',
      subjectPrefix: namespace.subjectPrefix,
    });
    uploads = new ObjectTransfer(bus, MEDIA_UPLOADS_BUCKET);
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
    await drop?.();
    await s3?.close();
  });

  it('keeps an upload and hands out the bucket’s presigned URL, which serves it', async () => {
    const upload = await uploads.put(Buffer.from('kept in the bucket'));
    const file = await bus.request(
      MediaStorageContract.storeFile,
      { upload, filename: 'note.txt', declaredType: 'text/plain' },
      alice,
    );
    expect(file).toMatchObject({ filename: 'note.txt', contentType: 'text/plain', bytes: 18 });
    expect(file.url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
    expect(file.url).toContain('X-Amz-Signature=');
    const served = await fetch(file.url);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('kept in the bucket');
    // The upload is taken: it cannot be stored a second time.
    await expect(bus.request(MediaStorageContract.storeFile, { upload }, alice)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(bus.request(MediaStorageContract.getFile, { id: file.id }, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });

  it('refuses names that are paths, uploads over its limit and uploads that do not exist', async () => {
    for (const filename of ['../escape', 'a/b', 'a\\b', '..', '.']) {
      const upload = await uploads.put(Buffer.from('x'));
      await expect(
        bus.request(MediaStorageContract.storeFile, { upload, filename }, alice),
      ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      await uploads.delete(upload);
    }
    const large = await uploads.put(Buffer.alloc(MAX_BYTES + 1, 7));
    await expect(bus.request(MediaStorageContract.storeFile, { upload: large }, alice)).rejects.toMatchObject(
      { code: ErrorCode.PayloadTooLarge },
    );
    await expect(
      bus.request(MediaStorageContract.storeFile, { upload: 'no-such-upload' }, alice),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(bus.request(MediaStorageContract.listFiles, {}, alice)).resolves.toMatchObject({
      data: [expect.objectContaining({ filename: 'note.txt' })],
    });
  });
});
