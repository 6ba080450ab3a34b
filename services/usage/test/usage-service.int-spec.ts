import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Pool } from 'pg';
import { Bus } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  MAX_LEDGER_USD,
  UsageContract,
  type BudgetExceededDetails,
  type UsageRecordedEvent,
} from '@conduit/contracts';
import { createPgPool, migrateServiceSchema } from '@conduit/db';
import { BudgetCache, Metering, MeteringConfigSchema } from '@conduit/metering';
import { BUILTIN_MODEL_PRICES } from '@conduit/model-prices';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { startUsage } from '../src/app';
import { loadUsageConfig } from '../src/config';

const hourAround = () => ({
  from: new Date(Date.now() - 3_600_000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});

describe('the usage service: the ledger every service meters into, and budgets', () => {
  const namespace = isolatedNamespace('usage');
  const infra = testEnv();
  let app: NestFastifyApplication;
  let bus: Bus;
  let db: Pool;
  let redis: Redis;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const schema = namespace.schemaFor('usage');
    ({ drop } = await migrateServiceSchema('usage', infra.databaseUrl, schema));
    app = await startUsage(
      loadUsageConfig({
        NATS_URL: infra.natsUrl,
        NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
        DATABASE_URL: infra.databaseUrl,
        DATABASE_SCHEMA: schema,
        PORT: '0',
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
    );
    bus = await Bus.connect({
      url: infra.natsUrl,
      name: 'usage-test',
      subjectPrefix: namespace.subjectPrefix,
    });
    db = createPgPool({ databaseUrl: infra.databaseUrl, schema, poolSize: 2 });
    redis = new Redis(infra.redisUrl, { keyPrefix: namespace.redisKeyPrefix });
  });
  afterAll(async () => {
    await redis?.quit();
    await bus?.close();
    await app?.close();
    await db?.end();
    await drop?.();
  });

  const record = (over: Partial<UsageRecordedEvent> = {}): UsageRecordedEvent => ({
    recordId: randomUUID(),
    userId: 'ulla',
    apiKeyId: null,
    service: 'voice',
    model: 'openai/tts-1',
    status: 'complete',
    quantities: { characters: 1_000 },
    estimated: false,
    costUsd: 0.015,
    reference: null,
    occurredAt: new Date().toISOString(),
    ...over,
  });
  const publish = (event: UsageRecordedEvent, messageId = event.recordId) =>
    bus.publish(UsageContract.usageRecorded, event, { userId: event.userId }, { messageId });
  const rowsOf = async (recordId: string) =>
    (await db.query('SELECT * FROM usage_records WHERE id = $1', [recordId])).rows;

  it('writes every quantity of a record, the cost to the nano-dollar and the time to the millisecond', async () => {
    const event = record({
      userId: 'ledger-user',
      apiKeyId: 'key-1',
      service: 'agents',
      model: 'openai/gpt-4o-mini',
      quantities: {
        inputTokens: 12,
        outputTokens: 4,
        cachedTokens: 3,
        characters: 7,
        seconds: 1.5,
        images: 2,
        steps: 3,
      },
      costUsd: 0.000004201,
      reference: 'run-1',
      occurredAt: '2026-11-21T12:34:56.789Z',
    });
    await publish(event);
    await waitFor(async () => (await rowsOf(event.recordId)).length > 0, 'the ledger row');
    const [row] = await rowsOf(event.recordId);
    expect(row).toMatchObject({
      user_id: 'ledger-user',
      api_key_id: 'key-1',
      service: 'agents',
      model: 'openai/gpt-4o-mini',
      status: 'complete',
      input_tokens: 12,
      output_tokens: 4,
      cached_tokens: 3,
      characters: 7,
      seconds: '1.500',
      images: 2,
      steps: 3,
      estimated: false,
      cost_usd: '0.00000420',
      reference: 'run-1',
      created_at: new Date('2026-11-21T12:34:56.789Z'),
    });
    const at = new Date('2026-11-21T12:34:56.789Z');
    const spent = await bus.request(
      UsageContract.spent,
      { apiKeyId: 'key-1', from: at.toISOString(), to: new Date(at.getTime() + 1).toISOString() },
      { userId: 'ledger-user' },
    );
    expect(spent).toEqual({ nanoUsd: 4_200, tokens: 16 });
  });

  it('writes a record costing the most the contract allows: what the cost column holds', async () => {
    const event = record({ userId: `dearest-${randomUUID()}`, costUsd: MAX_LEDGER_USD });
    await publish(event);
    await waitFor(async () => (await rowsOf(event.recordId)).length > 0, 'the ledger row');
    expect((await rowsOf(event.recordId))[0]).toMatchObject({ cost_usd: '999999.99999999' });
  });

  it('writes the records of a burst, one of them published twice, each once', async () => {
    const userId = `burst-${randomUUID()}`;
    const events = Array.from({ length: 20 }, (_, i) =>
      record({ userId, quantities: { inputTokens: i + 1 }, costUsd: 0.001 }),
    );
    await Promise.all([...events.map((event) => publish(event)), publish(events[0]!, randomUUID())]);
    const countOf = async () =>
      Number(
        (await db.query('SELECT count(*)::int AS n FROM usage_records WHERE user_id = $1', [userId])).rows[0]
          .n,
      );
    await waitFor(async () => (await countOf()) === events.length, 'every record of the burst');
    const { rows } = await db.query(
      'SELECT id, input_tokens FROM usage_records WHERE user_id = $1 ORDER BY input_tokens',
      [userId],
    );
    expect(rows).toEqual(events.map((event, i) => ({ id: event.recordId, input_tokens: i + 1 })));
  });

  it('counts a record delivered twice once, and drops an event that does not fit the contract', async () => {
    const event = record({ userId: `twice-${randomUUID()}` });
    await publish(event);
    // A publisher's retry after a lost acknowledgement, past JetStream's duplicate window: a new message id.
    await publish(event, randomUUID());
    await bus.connection
      .jetstream()
      .publish(`${namespace.subjectPrefix}usage.recorded`, new TextEncoder().encode('{"not":"a record"}'));
    const after = record({ userId: event.userId });
    await publish(after);
    const summary = await bus.request(
      UsageContract.summarizeUsage,
      { ...hourAround(), groupBy: ['service'] },
      { userId: event.userId },
    );
    expect(summary.totals).toMatchObject({ requests: 2, characters: 2_000, costUsd: 0.03 });
    expect(await rowsOf(event.recordId)).toHaveLength(1);
  });

  it("answers each user's summary, spend and budgets only, and refuses bad or anonymous requests", async () => {
    const mine = `mona-${randomUUID()}`;
    const theirs = `nils-${randomUUID()}`;
    await publish(
      record({
        userId: mine,
        service: 'media-gen',
        model: 'openai/dall-e-3',
        quantities: { images: 3 },
        costUsd: 0.12,
      }),
    );
    await publish(
      record({
        userId: theirs,
        service: 'chat',
        quantities: { inputTokens: 5, outputTokens: 5 },
        costUsd: 0.5,
      }),
    );
    const summary = await bus.request(
      UsageContract.summarizeUsage,
      { ...hourAround(), groupBy: ['service', 'model'] },
      { userId: mine },
    );
    expect(summary.totals).toMatchObject({ requests: 1, images: 3, costUsd: 0.12, inputTokens: 0 });
    expect(summary.byService).toEqual([expect.objectContaining({ service: 'media-gen', images: 3 })]);
    expect(summary.byModel).toEqual([expect.objectContaining({ model: 'openai/dall-e-3' })]);
    const range = hourAround();
    expect(await bus.request(UsageContract.spent, { apiKeyId: null, ...range }, { userId: mine })).toEqual({
      nanoUsd: 120_000_000,
      tokens: 0,
    });
    await bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: { period: 'day', limitUsd: 1 } },
      { userId: theirs },
    );
    expect(await bus.request(UsageContract.listBudgets, {}, { userId: mine })).toEqual({ data: [] });
    expect((await bus.request(UsageContract.budgetLimits, {}, { userId: mine })).data).toEqual([]);
    expect((await bus.request(UsageContract.budgetLimits, {}, { userId: theirs })).data).toEqual([
      expect.objectContaining({ scope: 'user', scopeId: theirs, limitNanoUsd: 1_000_000_000 }),
    ]);

    await expect(
      bus.request(UsageContract.spent, { apiKeyId: null, ...range }, { userId: null }),
    ).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    await expect(
      bus.request(UsageContract.spent, { apiKeyId: null, from: 'yesterday', to: range.to }, { userId: mine }),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(
      bus.request(UsageContract.budgetLimits, { extra: 1 } as never, { userId: mine }),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    // Still serving.
    expect(await bus.request(UsageContract.listBudgets, {}, { userId: mine })).toEqual({ data: [] });
  });

  it('speech characters, priced per character, count against the same budget as tokens', async () => {
    const user = `vera-${randomUUID()}`;
    const config = MeteringConfigSchema.parse({
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
    });
    const cache = new BudgetCache(
      async (userId) => (await bus.request(UsageContract.budgetLimits, {}, { userId })).data,
      { ttlMs: 1, maxUsers: 10 },
    );
    const voice = new Metering(bus, redis, cache, 'voice', config);
    const tts = BUILTIN_MODEL_PRICES.get('openai/tts-1');
    // $15 per million characters: 1,000 characters cost $0.015; the budget holds two of them.
    await bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: { period: 'month', limitUsd: 0.03 } },
      { userId: user },
    );
    const caller = { userId: user, apiKeyId: null };
    const estimate = [{ quantities: { characters: 1_000 }, prices: tts }];
    for (let i = 0; i < 2; i++) {
      const admission = await voice.admit(caller, estimate);
      await admission.record({
        recordId: randomUUID(),
        model: tts.id,
        status: 'complete',
        quantities: { characters: 1_000 },
        estimated: false,
        costUsd: 0.015,
        reference: null,
      });
    }
    const refused = await voice.admit(caller, estimate).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe(ErrorCode.BudgetExceeded);
    expect((refused as DomainError).details as unknown as BudgetExceededDetails).toMatchObject({
      limit: 'usd',
      spentUsd: 0.03,
      requestMaxUsd: 0.015,
    });
    const summary = await bus.request(
      UsageContract.summarizeUsage,
      { ...hourAround(), groupBy: ['service'] },
      { userId: user },
    );
    expect(summary.byService).toEqual([
      expect.objectContaining({ service: 'voice', requests: 2, characters: 2_000, costUsd: 0.03 }),
    ]);
  });

  // Last: the record the ledger cannot take stays unacknowledged, so a later read of the ledger would wait
  // out its catch-up bound.
  it('writes records that arrive together, and one the ledger cannot take holds back no other', async () => {
    const userId = `batch-${randomUUID()}`;
    const good = Array.from({ length: 20 }, () => record({ userId }));
    // A text Postgres cannot store (a NUL character), though the contract takes it.
    const bad = record({ userId, reference: 'nul \u0000 inside' });
    await Promise.all([...good.slice(0, 10), bad, ...good.slice(10)].map((event) => publish(event)));
    const written = async () =>
      (
        await db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_records WHERE user_id = $1', [
          userId,
        ])
      ).rows[0]!.n;
    await waitFor(async () => (await written()) === 20, 'the 20 records the ledger can take');
    expect(await rowsOf(bad.recordId)).toEqual([]);
  });
});
