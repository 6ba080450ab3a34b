import { randomUUID } from 'node:crypto';
import type { Subscription } from 'nats';
import {
  ChatContract,
  ChatStreamEvent,
  DomainError,
  ErrorCode,
  MemoryContract,
  ParsedRequestOf,
  RecalledPassage,
} from '@conduit/contracts';
import { startTestChat, ChatTestService } from './support/chat-test-service';

type RecallRequest = ParsedRequestOf<typeof MemoryContract.recall>;

const alice = { userId: `alice-${randomUUID()}` };
const bob = { userId: `bob-${randomUUID()}` };

const passage = (text: string, overrides: Partial<RecalledPassage> = {}): RecalledPassage => ({
  documentId: randomUUID(),
  chunkId: randomUUID(),
  score: 0.8,
  title: null,
  collection: 'chat',
  sessionId: randomUUID(),
  text,
  ...overrides,
});

/** Plays the search service's part: answers recalls with what the test says, and logs what it was asked. */
class MemoryDouble {
  readonly asked: { request: RecallRequest; userId: string }[] = [];
  answer: (request: RecallRequest) => Promise<RecalledPassage[]> = () => Promise.resolve([]);
  private subscription: Subscription | null = null;

  constructor(private readonly chat: ChatTestService) {}

  start(): void {
    this.subscription = this.chat.bus.serve(
      MemoryContract.recall,
      async (request, envelope) => {
        this.asked.push({ request, userId: envelope.userId ?? '(none)' });
        return { passages: await this.answer(request) };
      },
      { queue: 'search' },
    );
  }

  stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    return subscription ? subscription.drain() : Promise.resolve();
  }
}

describe('chat turns that draw on long-term memory', () => {
  let chat: ChatTestService;
  let memory: MemoryDouble;

  beforeAll(async () => {
    chat = await startTestChat({ MEMORY_RECALL_TIMEOUT_MS: '2000' });
    memory = new MemoryDouble(chat);
    // Subscribed before any request this client sends: the server reads one connection in order.
    memory.start();
  });
  afterAll(async () => {
    await memory.stop();
    await chat.close();
  });
  beforeEach(() => {
    memory.asked.length = 0;
    memory.answer = () => Promise.resolve([]);
  });

  async function turn(
    caller: { userId: string },
    sessionId: string,
    content: string,
    extra: Partial<ParsedRequestOf<typeof ChatContract.startCompletion>> = {},
  ) {
    chat.openai.enqueue({ kind: 'answer', tokens: ['Lyon', ', I', ' believe.'] });
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    await chat.bus.request(ChatContract.startCompletion, { streamId, sessionId, content, ...extra }, caller);
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const done = events.at(-1);
    if (done?.type !== 'done') throw new Error(`the turn ended with ${JSON.stringify(done)}`);
    const sent = (chat.openai.requests.at(-1)?.body as { messages: { role: string; content: string }[] })
      .messages;
    return { done, sent };
  }

  it('recalls passages for the question, puts them in the prompt and cites them', async () => {
    const session = await chat.bus.request(
      ChatContract.createSession,
      { systemPrompt: 'Be brief.', memory: { enabled: true, collections: ['notes'] } },
      alice,
    );
    expect(session.memory).toEqual({ enabled: true, collections: ['notes'] });
    const fact = passage('My sister Ada moved to Lyon last spring.');
    const note = passage('Ada likes climbing.', { sessionId: null, collection: 'notes', title: 'Family' });
    memory.answer = () => Promise.resolve([fact, note]);

    const { done, sent } = await turn(alice, session.id, 'Where does my sister live?');

    expect(memory.asked).toHaveLength(1);
    expect(memory.asked[0]?.userId).toBe(alice.userId);
    expect(memory.asked[0]?.request).toMatchObject({
      query: 'Where does my sister live?',
      collections: ['notes'],
      conversations: true,
      excludeSessionId: session.id,
    });
    expect(sent[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(sent[1]?.role).toBe('system');
    expect(sent[1]?.content).toContain(
      '[1] (an earlier conversation)\nMy sister Ada moved to Lyon last spring.',
    );
    expect(sent[1]?.content).toContain('[2] (collection "notes", "Family")\nAda likes climbing.');
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'Where does my sister live?' });

    const cite = ({ text: _text, ...citation }: RecalledPassage) => citation;
    expect(done.promptContext?.memory).toEqual({ status: 'used', citations: [cite(fact), cite(note)] });
    // The citations are kept with the answer.
    const stored = await chat.bus.request(ChatContract.getSession, { sessionId: session.id }, alice);
    const answer = stored.messages.find((m) => m.id === done.messageId);
    expect(answer?.promptContext?.memory).toEqual(done.promptContext?.memory);
  });

  it('asks nothing of memory when the session does not use it, unless the message asks to', async () => {
    const session = await chat.bus.request(ChatContract.createSession, {}, alice);
    expect(session.memory).toEqual({ enabled: false, collections: [] });

    const plain = await turn(alice, session.id, 'Hello?');
    expect(memory.asked).toHaveLength(0);
    expect(plain.done.promptContext?.memory).toBeUndefined();
    expect(plain.sent.filter((m) => m.role === 'system')).toHaveLength(0);

    memory.answer = () => Promise.resolve([passage('Ada lives in Lyon.')]);
    const asked = await turn(alice, session.id, 'Where does Ada live?', {
      memory: { enabled: true, collections: [] },
    });
    expect(memory.asked).toHaveLength(1);
    expect(asked.done.promptContext?.memory?.status).toBe('used');
  });

  it('follows the settings a session is updated with', async () => {
    const session = await chat.bus.request(ChatContract.createSession, {}, alice);
    const updated = await chat.bus.request(
      ChatContract.updateSession,
      { sessionId: session.id, update: { memory: { enabled: true, collections: ['work'] } } },
      alice,
    );
    expect(updated.memory).toEqual({ enabled: true, collections: ['work'] });
    await turn(alice, session.id, 'What is due on Friday?');
    expect(memory.asked[0]?.request.collections).toEqual(['work']);
  });

  it('says "none" when memory holds nothing relevant', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { memory: { enabled: true } }, alice);
    const { done, sent } = await turn(alice, session.id, 'Anything about boats?');
    expect(done.promptContext?.memory).toEqual({ status: 'none', citations: [] });
    expect(sent.filter((m) => m.role === 'system')).toHaveLength(0);
  });

  it('answers without memory, and says so, when the search is slow', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { memory: { enabled: true } }, alice);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    memory.answer = async () => {
      await released; // answers only after the turn is over: far past the recall's timeout
      return [passage('too late')];
    };
    try {
      const { done, sent } = await turn(alice, session.id, 'Where does my sister live?');
      expect(done.promptContext?.memory).toEqual({ status: 'timeout', citations: [] });
      expect(sent.map((m) => m.content).join('\n')).not.toContain('too late');
    } finally {
      release();
    }
  });

  it('answers without memory, and says so, when the search fails or is not running', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { memory: { enabled: true } }, alice);
    memory.answer = () => Promise.reject(new DomainError(ErrorCode.Internal, 'index unavailable'));
    const failed = await turn(alice, session.id, 'Where does my sister live?');
    expect(failed.done.promptContext?.memory).toEqual({ status: 'unavailable', citations: [] });

    await memory.stop();
    try {
      const down = await turn(alice, session.id, 'And my brother?');
      expect(down.done.promptContext?.memory).toEqual({ status: 'unavailable', citations: [] });
    } finally {
      memory.start();
    }
  });

  it("recalls for each user under that user's own identity", async () => {
    const session = await chat.bus.request(ChatContract.createSession, { memory: { enabled: true } }, bob);
    await turn(bob, session.id, 'What did I plan for the weekend?');
    expect(memory.asked.map((a) => a.userId)).toEqual([bob.userId]);
    // Another user's session stays out of reach, with or without memory.
    await expect(
      chat.bus.request(
        ChatContract.startCompletion,
        {
          streamId: randomUUID(),
          sessionId: session.id,
          content: 'hi',
          memory: { enabled: true, collections: [] },
        },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(memory.asked).toHaveLength(1);
  });

  it('refuses memory settings that are not valid, with the field named', async () => {
    for (const memorySettings of [
      { enabled: 'yes' },
      { enabled: true, collections: ['Not A Name'] },
      { enabled: true, collections: Array.from({ length: 11 }, (_, i) => `c${i}`) },
      { enabled: true, extra: 1 },
    ]) {
      await expect(
        chat.bus.request(ChatContract.createSession, { memory: memorySettings } as never, alice),
      ).rejects.toMatchObject({
        code: ErrorCode.ValidationFailed,
        details: { fields: [expect.objectContaining({ path: expect.stringMatching(/^memory/) })] },
      });
    }
  });
});
