import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { SEARCH_INDEXER_CONSUMER, SearchContract, UsageContract } from '@conduit/contracts';
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

const OPENAI_KEY = 'sk-fake-embeddings';

/**
 * The indexer with paid embeddings (the real OpenAI SDK against a fake OpenAI server): metering through
 * the usage service, and documents whose embedding keeps failing end as `failed`, never in a loop.
 */
describe('search indexing with OpenAI embeddings', () => {
  const namespace = isolatedNamespace('searchindex');
  const infra = testEnv();
  let openai: FakeOpenAIServer;
  let usage: ServiceProcess;
  let app: NestFastifyApplication;
  let bus: Bus;
  let dataDir: string;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    const searchSchema = namespace.schemaFor('search');
    const usageSchema = namespace.schemaFor('usage');
    drops.push((await migrateServiceSchema('search', infra.databaseUrl, searchSchema)).drop);
    drops.push((await migrateServiceSchema('usage', infra.databaseUrl, usageSchema)).drop);
    dataDir = await mkdtemp(join(tmpdir(), 'conduit-search-index-'));
    usage = await startServiceProcess('usage', {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: usageSchema,
      USAGE_LEDGER_CATCH_UP_MS: '15000',
    });
    app = await startSearch(
      loadSearchConfig({
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
        SEARCH_STORE: 'lancedb',
        SEARCH_LANCEDB_PATH: join(dataDir, 'lancedb'),
        SEARCH_EMBEDDING_MODEL: 'openai/text-embedding-3-small',
        SEARCH_EMBEDDING_DIMENSIONS: '64',
        SEARCH_EMBEDDING_MAX_RETRIES: '0',
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: openai.url,
        SEARCH_INDEX_MAX_ATTEMPTS: '3',
        SEARCH_INDEX_RETRY_BASE_MS: '50',
      }),
    );
    bus = await Bus.connect({
      url: infra.natsUrl,
      name: 'search-index-test',
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

  const submit = async (userId: string, texts: string[]) =>
    (
      await bus.request(
        SearchContract.submitDocuments,
        { batch: { inline: { documents: texts.map((text) => ({ text })) } } },
        { userId },
      )
    ).documents.map((d) => d.id);
  const settled = async (userId: string, id: string) => {
    let document = await bus.request(SearchContract.getDocument, { id }, { userId });
    await waitFor(async () => {
      document = await bus.request(SearchContract.getDocument, { id }, { userId });
      return document.status !== 'pending';
    }, `document ${id} settled`);
    return document;
  };

  it('meters the embedding tokens of indexing and of queries against the user', async () => {
    const [id] = await submit('metered-user', ['Embeddings cost money, so every token is counted.']);
    expect(await settled('metered-user', id!)).toMatchObject({ status: 'indexed' });
    const result = await bus.request(
      SearchContract.query,
      { query: 'tokens counted', mode: 'semantic', topK: 3 },
      { userId: 'metered-user' },
    );
    expect(result.embedding).toEqual({
      model: expect.stringContaining('text-embedding-3-small'),
      kind: 'semantic',
    });
    expect(result.results[0]?.documentId).toBe(id);
    const now = Date.now();
    await waitFor(async () => {
      const summary = await bus.request(
        UsageContract.summarizeUsage,
        {
          from: new Date(now - 3_600_000).toISOString(),
          to: new Date(now + 60_000).toISOString(),
          groupBy: ['service', 'model'],
        },
        { userId: 'metered-user' },
      );
      const search = summary.byService?.find((s) => s.service === 'search');
      return (search?.requests ?? 0) >= 2 && (search?.inputTokens ?? 0) > 0;
    }, 'two metered embedding calls in the ledger');
  });

  it('marks a document whose embedding keeps failing as failed with the reason, after the attempts allowed', async () => {
    openai
      .endpoint('/v1/embeddings')
      .setBehavior((body) =>
        JSON.stringify(body).includes('poison') ? { kind: 'http-error', status: 500 } : undefined,
      );
    try {
      const [good, bad] = await submit('poison-user', [
        'A healthy document about otters.',
        'A poison document.',
      ]);
      expect(await settled('poison-user', good!)).toMatchObject({ status: 'indexed' });
      const failed = await settled('poison-user', bad!);
      expect(failed).toMatchObject({ status: 'failed', failureReason: expect.any(String), chunkCount: 0 });
      // Nothing left to deliver: it is not retried again.
      const manager = await bus.connection.jetstreamManager();
      const stream = bus.streamName(SearchContract.documentAccepted.durable!.stream);
      await waitFor(async () => {
        const info = await manager.consumers.info(stream, SEARCH_INDEXER_CONSUMER);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      }, 'the indexer done with every message');
      const attempts = openai.requests.filter(
        (r) => r.path === '/v1/embeddings' && r.rawBody.includes('poison'),
      );
      expect(attempts.length).toBeLessThanOrEqual(3 * 2);
    } finally {
      openai.endpoint('/v1/embeddings').setBehavior(undefined);
    }
  });
});
