import { randomUUID } from 'node:crypto';
import { countTokens } from 'gpt-tokenizer';
import { ChatContract, ChatStreamEvent, ErrorCode } from '@conduit/contracts';
import { startTestChat, ChatTestService } from './support/chat-test-service';
import { storeConversation } from './support/stored-conversation';

const alice = { userId: `alice-${randomUUID()}` };
const MODEL = 'openai/gpt-4o-mini';

/** Text in a script that takes about a token a character, where "four characters a token" is far off. */
function cjkText(chars: number, seed: number): string {
  let text = '';
  for (let i = 0; i < chars; i++) {
    text += String.fromCharCode(0x4e00 + ((seed * 104_729 + i * 7_919) % 20_000));
    if (i % 24 === 23) text += ' ';
  }
  return text;
}

const tokensOf = (messages: { content: string }[]) =>
  messages.reduce((sum, m) => sum + countTokens(m.content, { disallowedSpecial: new Set() }), 0);

describe("history fitted to the model's context window, counted by a real tokenizer", () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat();
  });
  afterAll(() => chat.close());

  it('sends the system prompt and the newest turns that fit, and says what it left out', async () => {
    const { models } = await chat.bus.request(ChatContract.listModels, {}, alice);
    const model = models.find((m) => m.id === MODEL)!;
    const session = await chat.bus.request(
      ChatContract.createSession,
      { title: 'long', model: MODEL, systemPrompt: 'Answer briefly.' },
      alice,
    );
    // 30 stored messages of 9,000 CJK characters: some 300,000 tokens, over twice the window, though
    // "four characters a token" puts them at 70,000 and would send them all.
    const contents = Array.from({ length: 30 }, (_, i) => `${i}: ${cjkText(9_000, i)}`);
    await storeConversation(chat.prisma, session.id, alice.userId, contents);
    const stored = await chat.prisma.chatMessage.findMany({ where: { sessionId: session.id } });
    expect(tokensOf(stored)).toBeGreaterThan(2 * model.contextWindow);

    chat.openai.enqueue({ kind: 'answer', tokens: ['Noted.'] });
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    const ack = await chat.bus.request(
      ChatContract.startCompletion,
      { streamId, sessionId: session.id, content: 'And what did I say first?' },
      alice,
    );
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const sent = (chat.openai.requests.at(-1)?.body as { messages: { role: string; content: string }[] })
      .messages;
    expect(sent[0]).toEqual({ role: 'system', content: 'Answer briefly.' });
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'And what did I say first?' });
    expect(sent[1]?.role).toBe('user');
    // The prompt leaves room for the longest answer the model may give.
    expect(tokensOf(sent)).toBeLessThanOrEqual(model.contextWindow - model.maxOutputTokens);
    const history = sent.length - 1;
    const includedStored = history - 1;
    expect(includedStored).toBeGreaterThan(0);
    expect(includedStored).toBeLessThan(30);
    // Exactly the newest stored messages, in order.
    expect(sent.slice(1, -1).map((m) => m.content)).toEqual(
      stored
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .slice(30 - includedStored)
        .map((m) => m.content),
    );

    const promptContext = {
      includedMessages: history,
      omittedMessages: 30 - includedStored,
      promptTokens: expect.any(Number),
    };
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', promptContext });
    const counted = done?.type === 'done' ? (done.promptContext?.promptTokens ?? 0) : 0;
    expect(counted).toBeGreaterThanOrEqual(tokensOf(sent));
    expect(counted).toBeLessThanOrEqual(model.contextWindow - model.maxOutputTokens);

    const page = await chat.bus.request(
      ChatContract.listMessages,
      { sessionId: session.id, limit: 1 },
      alice,
    );
    expect(page.items[0]).toMatchObject({ id: ack.assistantMessageId, promptContext });
  });

  it('answers a message longer than the window alone with CONTEXT_LENGTH_EXCEEDED, storing nothing', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { model: MODEL }, alice);
    // About 180,000 tokens in 99,000 characters: under the length limit, over the model's window.
    await expect(
      chat.bus.request(
        ChatContract.startCompletion,
        { streamId: randomUUID(), sessionId: session.id, content: cjkText(95_000, 7) },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ContextLengthExceeded });
    expect(await chat.prisma.chatMessage.count({ where: { sessionId: session.id } })).toBe(0);
  });
});
