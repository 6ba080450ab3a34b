import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { DomainError, ErrorCode, MediaGenContract } from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { listeningPort } from '@conduit/service-kit';
import { inProcessServiceEnv, isolatedNamespace, redisTestEnv, testEnv } from '@conduit/testing';
import { startMediaGen } from '../src/app';
import { loadMediaGenConfig } from '../src/config';

describe('media-gen service on the bus', () => {
  let app: NestFastifyApplication;
  let bus: Bus;
  let baseUrl: string;
  let drop: () => Promise<void>;
  let storageDir: string;
  const caller = { userId: 'user-1' };

  beforeAll(async () => {
    const namespace = isolatedNamespace('media-gen');
    const infra = testEnv();
    const schema = namespace.schemaFor('media-gen');
    ({ drop } = await migrateServiceSchema('media-gen', infra.databaseUrl, schema));
    storageDir = await mkdtemp(join(tmpdir(), 'conduit-media-gen-'));
    const env = {
      ...inProcessServiceEnv(namespace, schema),
      ...redisTestEnv(namespace),
      MEDIA_STORAGE_DIR: storageDir,
      // Requests only: jobs are run in the end-to-end suite (services/gateway/test/media-http.int-spec.ts).
      MEDIA_WORKER_ENABLED: 'false',
      // No ffmpeg: the service still starts, and says so to whoever asks for the offline video model.
      MEDIA_FFMPEG_PATH: '/nonexistent/ffmpeg',
    };
    app = await startMediaGen(loadMediaGenConfig(env));
    baseUrl = `http://127.0.0.1:${listeningPort(app)}`;
    bus = await Bus.connect({
      url: env.NATS_URL,
      name: 'media-gen-test-client',
      subjectPrefix: env.NATS_SUBJECT_PREFIX,
    });
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
    await drop?.();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  it('answers its health check over NATS', async () => {
    await expect(bus.request(MediaGenContract.checkHealth, {}, caller)).resolves.toEqual({
      service: 'media-gen',
      status: 'ok',
    });
  });

  it('answers bad input with a typed validation error and keeps serving', async () => {
    const bad = bus.request(MediaGenContract.checkHealth, { unexpected: true } as never, caller);
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(bus.request(MediaGenContract.checkHealth, {}, caller)).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('is alive and ready over HTTP', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });
  });

  it('refuses a job its model cannot make with a typed error, and stores nothing', async () => {
    const refused = bus.request(
      MediaGenContract.createImageJob,
      { input: { prompt: 'x', model: 'openai/gpt-image-1' } },
      caller,
    );
    // No OPENAI_API_KEY here: the model exists but cannot be used.
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.ModelUnavailable });
    const unknown = bus.request(
      MediaGenContract.createImageJob,
      { input: { prompt: 'x', model: 'a/b' } },
      caller,
    );
    await expect(unknown).rejects.toMatchObject({ code: ErrorCode.UnknownModel });
    await expect(bus.request(MediaGenContract.listJobs, {}, caller)).resolves.toEqual({
      data: [],
      nextCursor: null,
    });
  });

  it('starts without ffmpeg, and says the offline video model needs it', async () => {
    const refused = bus.request(
      MediaGenContract.createVideoJob,
      { input: { prompt: 'x', size: '640x360', seconds: 1 } },
      caller,
    );
    await expect(refused).rejects.toMatchObject({
      code: ErrorCode.ModelUnavailable,
      message: expect.stringContaining('needs ffmpeg'),
      details: { variable: 'MEDIA_FFMPEG_PATH' },
    });
    const bad = bus.request(
      MediaGenContract.createVideoJob,
      { input: { prompt: 'x', seconds: 99 } } as never,
      caller,
    );
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
