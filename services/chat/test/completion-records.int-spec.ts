import { randomUUID } from 'node:crypto';
import { AttemptRepository } from '../src/generation/routing/attempt.repository';
import { UsageLedgerRepository } from '../src/usage/usage-ledger.repository';
import { startTestChat, type ChatTestService } from './support/chat-test-service';

/** The plain-SQL writes at the end of every completion, read back through the ORM's mapping. */
describe('what a completion leaves behind: its ledger row and its attempts', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat();
  });
  afterAll(() => chat.close());

  it('a ledger row keeps every column, the cost to the nano-dollar and the time to the millisecond', async () => {
    const ledger = chat.app.get(UsageLedgerRepository);
    const streamId = randomUUID();
    const messageId = randomUUID();
    const createdAt = new Date('2026-11-21T12:34:56.789Z');
    await ledger.insert({
      id: randomUUID(),
      userId: 'ledger-user',
      apiKeyId: 'key-1',
      streamId,
      messageId,
      model: 'openai/gpt-4o-mini',
      status: 'complete',
      usage: { inputTokens: 12, outputTokens: 4, cachedTokens: 3, estimated: false },
      costUsd: 0.000004201,
      createdAt,
    });
    const stored = await chat.prisma.usageRecord.findUniqueOrThrow({ where: { streamId } });
    expect(stored).toMatchObject({
      userId: 'ledger-user',
      apiKeyId: 'key-1',
      messageId,
      model: 'openai/gpt-4o-mini',
      status: 'complete',
      inputTokens: 12,
      outputTokens: 4,
      cachedTokens: 3,
      estimated: false,
      createdAt,
    });
    expect(stored.costUsd.toFixed(8)).toBe('0.00000420');

    const stateless = randomUUID();
    await ledger.insert({
      id: randomUUID(),
      userId: 'ledger-user',
      apiKeyId: null,
      streamId: stateless,
      messageId: null,
      model: 'nousage/m1',
      status: 'failed',
      usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: true },
      costUsd: 0,
      createdAt: new Date(),
    });
    expect(await chat.prisma.usageRecord.findUniqueOrThrow({ where: { streamId: stateless } })).toMatchObject(
      { apiKeyId: null, messageId: null, estimated: true },
    );
    const spent = await ledger.spent('ledger-user', 'key-1', createdAt, new Date(createdAt.getTime() + 1));
    expect(spent).toEqual({ nanoUsd: 4_200, tokens: 16 });
  });

  it('all attempts of a completion in one write, in order, with and without error codes', async () => {
    const attempts = chat.app.get(AttemptRepository);
    const streamId = randomUUID();
    const messageId = randomUUID();
    const startedAt = new Date('2026-11-21T08:00:00.123Z');
    await attempts.record({ streamId, messageId, userId: 'attempt-user' }, [
      {
        model: 'openai/gpt-4o-mini',
        outcome: 'failed',
        errorCode: 'PROVIDER_RATE_LIMITED',
        durationMs: 41,
        startedAt,
      },
      {
        model: 'anthropic/claude-haiku-4-5',
        outcome: 'success',
        errorCode: null,
        durationMs: 900,
        startedAt: new Date(startedAt.getTime() + 50),
      },
    ]);
    const stored = await chat.prisma.generationAttempt.findMany({
      where: { streamId },
      orderBy: { startedAt: 'asc' },
    });
    expect(stored.map(({ id: _id, ...rest }) => rest)).toEqual([
      {
        streamId,
        messageId,
        userId: 'attempt-user',
        model: 'openai/gpt-4o-mini',
        outcome: 'failed',
        errorCode: 'PROVIDER_RATE_LIMITED',
        durationMs: 41,
        startedAt,
      },
      {
        streamId,
        messageId,
        userId: 'attempt-user',
        model: 'anthropic/claude-haiku-4-5',
        outcome: 'success',
        errorCode: null,
        durationMs: 900,
        startedAt: new Date(startedAt.getTime() + 50),
      },
    ]);
    expect(new Set(stored.map((a) => a.id)).size).toBe(2);

    const stateless = randomUUID();
    await attempts.record({ streamId: stateless, messageId: null, userId: 'attempt-user' }, [
      { model: 'openai/gpt-4o-mini', outcome: 'cancelled', errorCode: null, durationMs: 0, startedAt },
    ]);
    expect(await chat.prisma.generationAttempt.findMany({ where: { streamId: stateless } })).toEqual([
      expect.objectContaining({ messageId: null, outcome: 'cancelled' }),
    ]);
  });

  it('recording attempts never throws, even when the write fails', async () => {
    const attempts = chat.app.get(AttemptRepository);
    const attempt = {
      model: 'openai/gpt-4o-mini',
      outcome: 'success' as const,
      errorCode: null,
      durationMs: 1,
      startedAt: new Date(),
    };
    await expect(
      attempts.record({ streamId: 'not-a-uuid', messageId: null, userId: 'u' }, [attempt]),
    ).resolves.toBeUndefined();
    await expect(
      attempts.record({ streamId: randomUUID(), messageId: null, userId: 'u' }, []),
    ).resolves.toBeUndefined();
  });
});
