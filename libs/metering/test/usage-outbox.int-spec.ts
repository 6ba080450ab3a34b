import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Bus } from '@conduit/bus';
import { UsageContract } from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { BudgetCache } from '../src/budget-cache';
import { Metering } from '../src/metering';
import { MeteringConfigSchema } from '../src/metering-config';

/** A usage record whose publish fails (no stream to take it yet) is kept and retried until it lands, once. */
describe('usage records while JetStream cannot take them', () => {
  const namespace = isolatedNamespace('outbox');
  const infra = testEnv();
  let bus: Bus;
  let redis: Redis;

  beforeAll(async () => {
    // The outbox warns about the failed publish it retries: expected here.
    Logger.overrideLogger(false);
    bus = await Bus.connect({
      url: infra.natsUrl,
      name: 'outbox-test',
      subjectPrefix: namespace.subjectPrefix,
    });
    redis = new Redis(infra.redisUrl, { keyPrefix: namespace.redisKeyPrefix });
  });
  afterAll(async () => {
    const manager = await bus.connection.jetstreamManager();
    await manager.streams.delete(bus.streamName('USAGE_RECORDS')).catch(() => undefined);
    await redis.quit();
    await bus.close();
  });

  it('the call goes on, and the record is published once JetStream takes it', async () => {
    const config = MeteringConfigSchema.parse({ METERING_PUBLISH_ATTEMPTS: '2' });
    // No budgets: admission needs no usage service.
    const metering = new Metering(
      bus,
      redis,
      new BudgetCache(async () => [], { ttlMs: 60_000, maxUsers: 10 }),
      'chat',
      config,
    );
    const admission = await metering.admit({ userId: 'otto', apiKeyId: null }, []);
    const recordId = randomUUID();
    await admission.record({
      recordId,
      model: 'openai/gpt-4o-mini',
      status: 'complete',
      quantities: { inputTokens: 3, outputTokens: 2 },
      estimated: false,
      costUsd: 0.0000017,
      reference: null,
    });
    expect(metering.unpublishedRecords).toBe(1);

    await bus.ensureEventStreams([UsageContract.usageRecorded]);
    await waitFor(() => metering.unpublishedRecords === 0, 'the background retry');
    const manager = await bus.connection.jetstreamManager();
    const stream = bus.streamName('USAGE_RECORDS');
    expect((await manager.streams.info(stream)).state.messages).toBe(1);
    const stored = await manager.streams.getMessage(stream, { seq: 1 });
    expect(stored.json()).toMatchObject({
      recordId,
      userId: 'otto',
      service: 'chat',
      quantities: { inputTokens: 3 },
    });
    expect(stored.header.get('Nats-Msg-Id')).toBe(recordId);
    metering.onApplicationShutdown();
  });
});
