import { ChatContract } from '@conduit/contracts';
import { TurnStore } from '../src/sessions/turn.store';
import { startTestChat, ChatTestService } from './support/chat-test-service';

describe('TurnStore: the raw queries before every first token', () => {
  let chat: ChatTestService;
  let store: TurnStore;

  beforeAll(async () => {
    chat = await startTestChat();
    store = chat.app.get(TurnStore);
  });
  afterAll(() => chat.close());

  it('stores turns as a tree, moves the active leaf, and reads back one branch', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'raw' }, { userId: 'u1' });
    expect(await store.load('u1', session.id, null)).toMatchObject({
      session: { id: session.id, activeLeafId: null },
      branch: [],
    });
    const base = {
      userId: 'u1',
      sessionId: session.id,
      model: 'openai/gpt-4o-mini',
      answerTo: null,
      leaseMs: 60_000,
      promptContext: { includedMessages: 0, omittedMessages: 0, promptTokens: 10 },
    };
    const first = await store.insert({
      ...base,
      streamId: crypto.randomUUID(),
      userMessage: { parentId: null, content: 'Q1' },
    });
    const second = await store.insert({
      ...base,
      streamId: crypto.randomUUID(),
      userMessage: { parentId: first.assistantMessageId, content: 'Q2' },
    });
    const again = await store.insert({
      ...base,
      streamId: crypto.randomUUID(),
      userMessage: null,
      answerTo: second.userMessageId,
    });

    const context = await store.load('u1', session.id, null);
    expect(context?.session.activeLeafId).toBe(again.assistantMessageId);
    expect(context?.branch.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Q1', 'complete'],
      ['assistant', '', 'streaming'],
      ['user', 'Q2', 'complete'],
      ['assistant', '', 'streaming'],
    ]);
    expect(context?.branch.at(-1)?.id).toBe(again.assistantMessageId);
    const toFirst = await store.load('u1', session.id, first.userMessageId);
    expect(toFirst?.branch.map((m) => m.content)).toEqual(['Q1']);
  });

  it("finds nothing in someone else's session, and no branch for a foreign message id", async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'mine' }, { userId: 'u2' });
    expect(await store.load('u3', session.id, null)).toBeNull();
    const other = await chat.bus.request(ChatContract.createSession, { title: 'other' }, { userId: 'u2' });
    const turn = await store.insert({
      userId: 'u2',
      sessionId: other.id,
      model: 'openai/gpt-4o-mini',
      streamId: crypto.randomUUID(),
      userMessage: { parentId: null, content: 'elsewhere' },
      answerTo: null,
      leaseMs: 60_000,
      promptContext: { includedMessages: 0, omittedMessages: 0, promptTokens: 10 },
    });
    expect((await store.load('u2', session.id, turn.userMessageId))?.branch).toEqual([]);
  });
});
