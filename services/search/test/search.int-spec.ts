import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { DomainError, ErrorCode, SearchContract } from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { listeningPort } from '@conduit/service-kit';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { startSearch } from '../src/app';
import { loadSearchConfig } from '../src/config';

describe('search service on the bus', () => {
  let app: NestFastifyApplication;
  let bus: Bus;
  let baseUrl: string;
  let dataDir: string;
  let drop: () => Promise<void>;
  const caller = { userId: 'user-1' };

  beforeAll(async () => {
    const namespace = isolatedNamespace('search');
    const schema = namespace.schemaFor('search');
    ({ drop } = await migrateServiceSchema('search', testEnv().databaseUrl, schema));
    dataDir = await mkdtemp(join(tmpdir(), 'conduit-search-'));
    const env = {
      NATS_URL: testEnv().natsUrl,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: testEnv().redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      SEARCH_LANCEDB_PATH: join(dataDir, 'lancedb'),
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
    };
    app = await startSearch(loadSearchConfig(env));
    baseUrl = `http://127.0.0.1:${listeningPort(app)}`;
    bus = await Bus.connect({
      url: env.NATS_URL,
      name: 'search-test-client',
      subjectPrefix: env.NATS_SUBJECT_PREFIX,
    });
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
    await drop?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers its health check over NATS', async () => {
    await expect(bus.request(SearchContract.checkHealth, {}, caller)).resolves.toEqual({
      service: 'search',
      status: 'ok',
    });
  });

  it('answers bad input with a typed validation error and keeps serving', async () => {
    const bad = bus.request(SearchContract.checkHealth, { unexpected: true } as never, caller);
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(bus.request(SearchContract.checkHealth, {}, caller)).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('lists every document accepted before a listing began exactly once, while more are accepted meanwhile', async () => {
    const lister = { userId: 'lister' };
    const submit = async (texts: string[]) =>
      (
        await bus.request(
          SearchContract.submitDocuments,
          { batch: { inline: { documents: texts.map((text) => ({ text })) } } },
          lister,
        )
      ).documents.map((document) => document.id);
    // More than ten, so sequence numbers of one and two digits are compared.
    const before: string[] = [];
    for (const b of [0, 1, 2, 3, 4])
      before.push(...(await submit([0, 1, 2, 3].map((i) => `before ${b}.${i}`))));

    const listed: string[] = [];
    const accepted: Promise<string[]>[] = [];
    let cursor: string | undefined;
    do {
      // Others keep adding documents, concurrently with each page read.
      accepted.push(submit([`during ${listed.length}.a`, `during ${listed.length}.b`]));
      const page = await bus.request(
        SearchContract.listDocuments,
        { limit: 3, ...(cursor === undefined ? {} : { cursor }) },
        lister,
      );
      listed.push(...page.data.map((document) => document.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    await Promise.all(accepted);

    expect(new Set(listed).size).toBe(listed.length);
    expect(before.filter((id) => !listed.includes(id))).toEqual([]);
    // Newest first: the documents accepted before come in the reverse of their acceptance.
    expect(listed.filter((id) => before.includes(id))).toEqual([...before].reverse());
  });

  it('stores a document submitted again with its idempotency key once, per user, and refuses a bad key', async () => {
    const owner = { userId: 'idempotent' };
    const submit = (documents: { text: string; idempotencyKey?: string }[], who = owner) =>
      bus.request(SearchContract.submitDocuments, { batch: { inline: { documents } } }, who);
    const list = async (who = owner) =>
      (await bus.request(SearchContract.listDocuments, { limit: 100 }, who)).data.map((d) => d.id);
    const first = await submit([{ text: 'the first note', idempotencyKey: 'run-1:call-1' }]);
    const [again, concurrent, mixed] = await Promise.all([
      submit([{ text: 'the first note', idempotencyKey: 'run-1:call-1' }]),
      submit([{ text: 'the first note', idempotencyKey: 'run-1:call-1' }]),
      submit([
        { text: 'a note without a key' },
        { text: 'the first note', idempotencyKey: 'run-1:call-1' },
        { text: 'a second note', idempotencyKey: 'run-1:call-2' },
      ]),
    ]);
    const id = first.documents[0]!.id;
    expect(again.documents.map((d) => d.id)).toEqual([id]);
    expect(concurrent.documents.map((d) => d.id)).toEqual([id]);
    expect(mixed.documents[1]!.id).toBe(id);
    expect(new Set(mixed.documents.map((d) => d.id)).size).toBe(3);
    expect((await list()).sort()).toEqual(mixed.documents.map((d) => d.id).sort());
    // The same key is another user's own.
    const other = { userId: 'idempotent-other' };
    const theirs = await submit([{ text: 'the first note', idempotencyKey: 'run-1:call-1' }], other);
    expect(theirs.documents[0]!.id).not.toBe(id);
    expect(await list(other)).toEqual([theirs.documents[0]!.id]);
    await expect(submit([{ text: 'x', idempotencyKey: 'has spaces' }])).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(submit([{ text: 'x', idempotencyKey: 'k'.repeat(256) }])).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
  });

  it('is alive and ready over HTTP', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });
  });
});
