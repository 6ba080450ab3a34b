import { randomUUID } from 'node:crypto';
import { AttemptRepository } from '../src/generation/routing/attempt.repository';
import { startTestChat, type ChatTestService } from './support/chat-test-service';

/** The plain-SQL writes at the end of every completion, read back through the ORM's mapping. */
describe('what a completion leaves behind: its attempts', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat();
  });
  afterAll(() => chat.close());

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
