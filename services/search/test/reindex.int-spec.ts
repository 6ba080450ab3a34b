import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Pool } from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { SearchContract, UsageContract, type SearchIndexStatus } from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import {
  isolatedNamespace,
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  waitFor,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import { startSearch } from '../src/app';
import { loadSearchConfig } from '../src/config';
import { spaceStorageName } from '../src/store/space-storage-name';

const OPENAI_KEY = 'sk-fake-reindex';
const OLD_SPACE = 'offline/lexical-v1@128';
const NEW_SPACE = 'openai/text-embedding-3-small@64';
const NEW_MODEL = {
  SEARCH_EMBEDDING_MODEL: 'openai/text-embedding-3-small',
  SEARCH_EMBEDDING_DIMENSIONS: '64',
};

/**
 * Changing the embedding model: the search service starts with the offline embedding, then again with
 * OpenAI's (the real SDK against the fake server, metered through the usage service). The old space
 * answers until the new one holds every document, then queries switch to it and the old index goes.
 */
describe('re-indexing into a new embedding space', () => {
  const namespace = isolatedNamespace('searchreindex');
  const infra = testEnv();
  const alice = { userId: 'reindex-alice' };
  const bob = { userId: 'reindex-bob' };
  let openai: FakeOpenAIServer;
  let usage: ServiceProcess;
  let app: NestFastifyApplication | null = null;
  let bus: Bus;
  let dataDir: string;
  let baseEnv: Record<string, string>;
  let searchSchema: string;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    searchSchema = namespace.schemaFor('search');
    const usageSchema = namespace.schemaFor('usage');
    drops.push((await migrateServiceSchema('search', infra.databaseUrl, searchSchema)).drop);
    drops.push((await migrateServiceSchema('usage', infra.databaseUrl, usageSchema)).drop);
    dataDir = await mkdtemp(join(tmpdir(), 'conduit-search-reindex-'));
    usage = await startServiceProcess('usage', {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: usageSchema,
    });
    baseEnv = {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: searchSchema,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
      SEARCH_LANCEDB_PATH: join(dataDir, 'lancedb'),
      SEARCH_EMBEDDING_MODEL: 'offline/lexical-v1',
      SEARCH_EMBEDDING_DIMENSIONS: '128',
      SEARCH_EMBEDDING_MAX_RETRIES: '0',
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openai.url,
      SEARCH_INDEX_BATCH_SIZE: '2',
      SEARCH_INDEX_MAX_ATTEMPTS: '100',
      SEARCH_INDEX_RETRY_BASE_MS: '50',
      SEARCH_INDEX_RETRY_MAX_MS: '200',
    };
    bus = await Bus.connect({
      url: infra.natsUrl,
      name: 'search-reindex-test',
      subjectPrefix: namespace.subjectPrefix,
    });
  });
  afterAll(async () => {
    await bus?.close();
    await app?.close();
    await usage?.stop();
    await openai?.close();
    for (const drop of drops) await drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const restart = async (env: Record<string, string>) => {
    await app?.close();
    app = await startSearch(loadSearchConfig({ ...baseEnv, ...env }));
  };
  const submit = async (caller: { userId: string }, texts: string[]) =>
    (
      await bus.request(
        SearchContract.submitDocuments,
        { batch: { inline: { documents: texts.map((text) => ({ text })) } } },
        caller,
      )
    ).documents.map((d) => d.id);
  const documents = async (caller: { userId: string }) =>
    (await bus.request(SearchContract.listDocuments, { limit: 100 }, caller)).data;
  const status = async (caller: { userId: string }): Promise<SearchIndexStatus> =>
    (await bus.request(SearchContract.listCollections, {}, caller)).index;
  const search = (caller: { userId: string }, query: string, mode: 'semantic' | 'keyword') =>
    bus.request(SearchContract.query, { query, mode, topK: 10 }, caller);
  const found = async (caller: { userId: string }, query: string, mode: 'semantic' | 'keyword') =>
    (await search(caller, query, mode)).results.map((result) => result.documentId);

  it('answers from the old space while the new one fills (resuming after a restart), then switches over', async () => {
    await restart({});
    const words = ['aardvark', 'bison', 'chamois', 'dingo', 'ermine'];
    const aliceIds = await submit(
      alice,
      words.map((word) => `Field notes: the ${word} was seen near the river at dawn.`),
    );
    const [bobsAardvark] = await submit(bob, ['My own aardvark notes, nobody else may read them.']);
    await waitFor(async () => {
      const all = [...(await documents(alice)), ...(await documents(bob))];
      return all.length === 6 && all.every((d) => d.status === 'indexed');
    }, 'every document indexed in the old space');
    expect(await status(alice)).toEqual({ embeddingSpace: OLD_SPACE, reindexing: null });

    // The new model's provider answers one request, then is down: the re-index stops part way.
    let answered = 0;
    openai
      .endpoint('/v1/embeddings')
      .setBehavior(() => (answered++ < 1 ? undefined : { kind: 'http-error', status: 503 }));
    await restart(NEW_MODEL);
    const embeddingCalls = () => openai.requests.filter((r) => r.path === '/v1/embeddings').length;
    await waitFor(
      async () => (await status(alice)).reindexing?.indexedDocuments === 2 && embeddingCalls() >= 3,
      'the first batch in the new space, the next failing',
    );
    expect(await status(alice)).toEqual({
      embeddingSpace: OLD_SPACE,
      reindexing: { to: NEW_SPACE, indexedDocuments: 2, totalDocuments: 5 },
    });
    expect(await status(bob)).toEqual({
      embeddingSpace: OLD_SPACE,
      reindexing: { to: NEW_SPACE, indexedDocuments: 0, totalDocuments: 1 },
    });

    // Meanwhile the old space answers, embedding queries with the old model, each user seeing their own.
    const during = await search(alice, 'aardvark river', 'semantic');
    expect(during.embedding.model).toBe(OLD_SPACE);
    expect(during.results[0]?.documentId).toBe(aliceIds[0]);
    expect(await found(alice, 'ermine', 'keyword')).toEqual([aliceIds[4]]);
    expect(await found(bob, 'aardvark', 'keyword')).toEqual([bobsAardvark]);
    // A document accepted meanwhile is written to both spaces (here: once the provider is back).
    const [hedgehog] = await submit(alice, ['A late entry: a hedgehog crossed the garden.']);

    // A restart keeps the progress and the old space serving.
    await restart(NEW_MODEL);
    expect(await status(alice)).toMatchObject({
      embeddingSpace: OLD_SPACE,
      reindexing: { to: NEW_SPACE, indexedDocuments: 2 },
    });
    expect((await search(alice, 'dingo', 'semantic')).embedding.model).toBe(OLD_SPACE);

    openai.endpoint('/v1/embeddings').setBehavior(undefined);
    await waitFor(async () => (await status(alice)).reindexing === null, 'the switch-over');

    expect(await status(alice)).toEqual({ embeddingSpace: NEW_SPACE, reindexing: null });
    expect(await status(bob)).toEqual({ embeddingSpace: NEW_SPACE, reindexing: null });
    await waitFor(
      async () => (await documents(alice)).find((d) => d.id === hedgehog)?.status === 'indexed',
      'the document accepted meanwhile indexed',
    );
    for (const document of [...(await documents(alice)), ...(await documents(bob))]) {
      expect(document).toMatchObject({ status: 'indexed', embeddingSpace: NEW_SPACE });
    }
    // Nothing lost, nothing crossing users, answered from the new space.
    for (const [i, word] of words.entries())
      expect(await found(alice, word, 'keyword')).toEqual([aliceIds[i]]);
    expect(await found(alice, 'hedgehog', 'keyword')).toEqual([hedgehog]);
    expect(await found(bob, 'aardvark', 'keyword')).toEqual([bobsAardvark]);
    expect(await found(bob, 'hedgehog', 'keyword')).toEqual([]);
    const after = await search(alice, 'hedgehog garden', 'semantic');
    expect(after.embedding).toEqual({ model: NEW_SPACE, kind: 'semantic' });
    expect(after.results.every((r) => [...aliceIds, hedgehog].includes(r.documentId))).toBe(true);
    // The old space's table is dropped once nothing reads it any more.
    const oldTable = spaceStorageName({ id: OLD_SPACE, dimensions: 128 });
    await waitFor(
      async () => (await readdir(baseEnv.SEARCH_LANCEDB_PATH!)).every((name) => !name.startsWith(oldTable)),
      "the old space's table dropped",
    );

    // Re-embedding was metered against each document's owner, like any indexing.
    const now = Date.now();
    await waitFor(async () => {
      const summary = await bus.request(
        UsageContract.summarizeUsage,
        {
          from: new Date(now - 3_600_000).toISOString(),
          to: new Date(now + 60_000).toISOString(),
          groupBy: ['service'],
        },
        bob,
      );
      return (summary.byService?.find((s) => s.service === 'search')?.inputTokens ?? 0) > 0;
    }, "bob's re-embedding in the ledger");
  });

  it('catches the serving space up with documents recorded in another space', async () => {
    // As an older version, or a re-index given up, may leave them: bob's document recorded elsewhere.
    const pool = new Pool({ connectionString: infra.databaseUrl, options: `-c search_path=${searchSchema}` });
    try {
      await pool.query('UPDATE documents SET embedding_space = $1 WHERE user_id = $2', [
        OLD_SPACE,
        bob.userId,
      ]);
    } finally {
      await pool.end();
    }
    await restart(NEW_MODEL);
    await waitFor(
      async () => (await documents(bob)).every((d) => d.embeddingSpace === NEW_SPACE),
      "bob's document back in the serving space",
    );
    expect(await status(bob)).toEqual({ embeddingSpace: NEW_SPACE, reindexing: null });
    expect((await search(bob, 'aardvark', 'keyword')).results).toHaveLength(1);
  });
});
