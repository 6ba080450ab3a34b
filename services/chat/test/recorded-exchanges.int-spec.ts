import { randomUUID } from 'node:crypto';
import { ChatContract, ErrorCode } from '@conduit/contracts';
import { startTestChat, ChatTestService } from './support/chat-test-service';

const alice = { userId: `alice-${randomUUID()}` };
const bob = { userId: `bob-${randomUUID()}` };

describe('turns answered outside chat (chat.message.record)', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat();
  });
  afterAll(() => chat.close());

  const exchange = (sessionId: string) => ({
    sessionId,
    user: 'what is the weather like',
    assistant: 'It is sunny',
    status: 'cancelled' as const,
    model: 'openai/gpt-realtime',
    usage: { inputTokens: 120, outputTokens: 80, cachedTokens: 0, estimated: false },
    costUsd: 0.0056,
  });

  it('stores the user turn and the answer at the end of the active branch, in order', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'voice' }, alice);
    const first = await chat.bus.request(ChatContract.recordExchange, exchange(session.id), alice);
    const second = await chat.bus.request(
      ChatContract.recordExchange,
      { ...exchange(session.id), user: 'and tomorrow?', assistant: 'Rain.', status: 'complete' },
      alice,
    );
    const opened = await chat.bus.request(ChatContract.getSession, { sessionId: session.id }, alice);
    expect(opened.activeLeafId).toBe(second.assistantMessageId);
    expect(opened.messages.map((m) => [m.id, m.parentId, m.role, m.content, m.status])).toEqual([
      [first.userMessageId, null, 'user', 'what is the weather like', 'complete'],
      [first.assistantMessageId, first.userMessageId, 'assistant', 'It is sunny', 'cancelled'],
      [second.userMessageId, first.assistantMessageId, 'user', 'and tomorrow?', 'complete'],
      [second.assistantMessageId, second.userMessageId, 'assistant', 'Rain.', 'complete'],
    ]);
    expect(opened.messages[1]).toMatchObject({
      model: 'openai/gpt-realtime',
      usage: { inputTokens: 120, outputTokens: 80 },
      costUsd: 0.0056,
    });
  });

  it("refuses someone else's session as not found, storing nothing", async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'voice' }, alice);
    await expect(
      chat.bus.request(ChatContract.recordExchange, exchange(session.id), bob),
    ).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(
      chat.bus.request(ChatContract.recordExchange, exchange(randomUUID()), alice),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const opened = await chat.bus.request(ChatContract.getSession, { sessionId: session.id }, alice);
    expect(opened.messages).toEqual([]);
  });

  it.each([
    ['a status chat does not store this way', { status: 'streaming' }],
    ['a model id that is not provider/model', { model: 'gpt-realtime' }],
    ['a negative cost', { costUsd: -1 }],
    ['an unknown field', { extra: true }],
  ])('answers %s with a validation error', async (_what, change) => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'voice' }, alice);
    await expect(
      chat.bus.request(ChatContract.recordExchange, { ...exchange(session.id), ...change } as never, alice),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
