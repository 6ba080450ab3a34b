import { randomUUID } from 'node:crypto';
import { ChatContract, ChatStreamEvent, ErrorCode } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { InFlightGenerations } from '../src/generation/in-flight-generations';
import { startTestChat, ChatTestService } from './support/chat-test-service';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };

describe('session niceties: titles, regenerate, edit as a branch', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat({ CHAT_MAX_RETRIES: '0' });
  });
  afterAll(() => chat.close());
  beforeEach(() => chat.openai.reset());

  async function streamed(
    def: 'startCompletion' | 'regenerate' | 'editMessage',
    payload: Record<string, unknown>,
    caller = alice,
  ) {
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    const ack = await chat.bus.request(ChatContract[def], { streamId, ...payload } as never, caller);
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return {
      ack,
      text: events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join(''),
      last: events.at(-1),
    };
  }

  const getSession = (sessionId: string) => chat.bus.request(ChatContract.getSession, { sessionId }, alice);
  const lastPrompt = () =>
    (chat.openai.requests.at(-1)?.body as { messages: { content: string }[] }).messages.map((m) => m.content);

  it('titles a new session after its first answer, using the model that answered', async () => {
    chat.openai.enqueue(
      { kind: 'answer', tokens: ['Sunny', ' in', ' Paris'] },
      { kind: 'answer', tokens: ['"Paris', ' weather', ' today."'] },
    );
    const session = await chat.bus.request(ChatContract.createSession, {}, alice);
    expect(session.title).toBe('New chat');
    await streamed('startCompletion', {
      sessionId: session.id,
      content: 'What is the weather like in Paris?',
    });
    await waitFor(async () => (await getSession(session.id)).title !== 'New chat', 'the automatic title');
    expect((await getSession(session.id)).title).toBe('Paris weather today');
  });

  it('leaves a title someone chose alone', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'Mine' }, alice);
    await streamed('startCompletion', { sessionId: session.id, content: 'hello' });
    // A generation is tracked until its titling, if any, has settled too.
    const generations = chat.app.get(InFlightGenerations);
    await waitFor(() => generations.size === 0, 'the answer and any titling after it to settle');
    expect((await getSession(session.id)).title).toBe('Mine');
    expect(chat.openai.requests).toHaveLength(1); // the answer; no title was asked for
  });

  it('regenerates the last answer as a sibling and continues from the new one', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 't' }, alice);
    chat.openai.enqueue({ kind: 'answer', tokens: ['first', ' answer'] });
    const first = await streamed('startCompletion', { sessionId: session.id, content: 'question one' });
    chat.openai.enqueue({ kind: 'answer', tokens: ['second', ' answer'] });
    const again = await streamed('regenerate', { sessionId: session.id });
    expect(again.text).toBe('second answer');
    expect(again.ack.userMessageId).toBe(first.ack.userMessageId);
    expect(lastPrompt()).toEqual(['question one']);

    const stored = await getSession(session.id);
    const answers = stored.messages.filter((m) => m.parentId === first.ack.userMessageId);
    expect(answers.map((m) => m.content)).toEqual(['first answer', 'second answer']);
    expect(stored.activeLeafId).toBe(again.ack.assistantMessageId);

    await streamed('startCompletion', { sessionId: session.id, content: 'question two' });
    expect(lastPrompt()).toEqual(['question one', 'second answer', 'question two']);
  });

  it('edits a past user message into a new branch, keeping the old one, and can switch back', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 't' }, alice);
    chat.openai.enqueue({ kind: 'answer', tokens: ['A1'] }, { kind: 'answer', tokens: ['A2'] });
    const one = await streamed('startCompletion', { sessionId: session.id, content: 'Q1' });
    const two = await streamed('startCompletion', { sessionId: session.id, content: 'Q2' });
    chat.openai.enqueue({ kind: 'answer', tokens: ['A2 edited'] });
    const edited = await streamed('editMessage', {
      sessionId: session.id,
      messageId: two.ack.userMessageId,
      content: 'Q2, said better',
    });
    expect(lastPrompt()).toEqual(['Q1', 'A1', 'Q2, said better']);

    const stored = await getSession(session.id);
    const siblings = stored.messages
      .filter((m) => m.parentId === one.ack.assistantMessageId)
      .map((m) => m.content);
    expect(siblings).toEqual(['Q2', 'Q2, said better']);
    expect(stored.activeLeafId).toBe(edited.ack.assistantMessageId);

    await chat.bus.request(
      ChatContract.updateSession,
      { sessionId: session.id, update: { activeLeafId: two.ack.assistantMessageId } },
      alice,
    );
    await streamed('startCompletion', { sessionId: session.id, content: 'Q3' });
    expect(lastPrompt()).toEqual(['Q1', 'A1', 'Q2', 'A2', 'Q3']);
  });

  it('refuses what cannot be done, with typed errors', async () => {
    const empty = await chat.bus.request(ChatContract.createSession, { title: 'empty' }, alice);
    await expect(streamed('regenerate', { sessionId: empty.id })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    const session = await chat.bus.request(ChatContract.createSession, { title: 't' }, alice);
    const turn = await streamed('startCompletion', { sessionId: session.id, content: 'hi' });
    await expect(
      streamed('editMessage', {
        sessionId: session.id,
        messageId: turn.ack.assistantMessageId,
        content: 'x',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(
      streamed(
        'editMessage',
        { sessionId: session.id, messageId: turn.ack.userMessageId, content: 'x' },
        bob,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(streamed('regenerate', { sessionId: session.id }, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(
      chat.bus.request(
        ChatContract.updateSession,
        { sessionId: session.id, update: { activeLeafId: randomUUID() } },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(
      chat.bus.request(ChatContract.updateSession, { sessionId: session.id, update: {} }, alice),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
