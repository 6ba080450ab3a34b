import { randomUUID } from 'node:crypto';
import { decodeJson, encodeJson } from '@conduit/bus';
import { ChatContract, ChatStreamEvent, ErrorCode } from '@conduit/contracts';
import { startTestChat, ChatTestService } from './support/chat-test-service';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };

describe('chat service over NATS, Postgres and protocol-faithful fake providers', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    // No retries here: each provider fault must surface as it is (routing has its own suite).
    chat = await startTestChat({
      PROVIDER_STALL_TIMEOUT_MS: '400',
      PARTIAL_FLUSH_INTERVAL_MS: '50',
      CHAT_MAX_RETRIES: '0',
    });
  });
  afterAll(() => chat.close());
  beforeEach(() => chat.openai.reset());

  const newSession = (caller = alice, model?: string) =>
    chat.bus.request(ChatContract.createSession, { title: 'test', ...(model ? { model } : {}) }, caller);

  async function send(sessionId: string, content: string, caller = alice, model?: string) {
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    const ack = await chat.bus.request(
      ChatContract.startCompletion,
      { streamId, sessionId, content, ...(model ? { model } : {}) },
      caller,
    );
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return { ack, events, text: events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('') };
  }

  const storedMessage = (id: string) => chat.prisma.chatMessage.findUniqueOrThrow({ where: { id } });

  it('streams an answer in order, ends with one done with usage and cost, and stores both messages', async () => {
    chat.openai.enqueue({
      kind: 'answer',
      tokens: ['Paris', ' is', ' sunny', '.'],
      usage: { inputTokens: 12, outputTokens: 4 },
    });
    const session = await newSession();
    const { ack, events, text } = await send(session.id, 'What is the weather in Paris?');
    expect(text).toBe('Paris is sunny.');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const done = events.at(-1);
    expect(done).toMatchObject({
      type: 'done',
      finishReason: 'stop',
      model: 'openai/gpt-4o-mini',
      messageId: ack.assistantMessageId,
    });
    expect(done?.type === 'done' && done.usage).toEqual({
      inputTokens: 12,
      outputTokens: 4,
      cachedTokens: 0,
      estimated: false,
    });
    // gpt-4o-mini list price: $0.15 in / $0.60 out per million tokens
    expect(done?.type === 'done' && done.costUsd).toBeCloseTo((12 * 0.15 + 4 * 0.6) / 1e6, 10);
    expect(events.filter((e) => e.type === 'done' || e.type === 'error')).toHaveLength(1);
    expect(await storedMessage(ack.userMessageId)).toMatchObject({
      role: 'user',
      status: 'complete',
      content: 'What is the weather in Paris?',
    });
    expect(await storedMessage(ack.assistantMessageId)).toMatchObject({
      role: 'assistant',
      status: 'complete',
      content: 'Paris is sunny.',
      inputTokens: 12,
      outputTokens: 4,
    });
  });

  it('sends the session history and system prompt to the model', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { systemPrompt: 'Be brief.' }, alice);
    await send(session.id, 'first question');
    await send(session.id, 'second question');
    const lastRequest = chat.openai.requests.at(-1)?.body as {
      messages: { role: string; content: string }[];
    };
    expect(lastRequest.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'first question'],
      ['assistant', 'Hello from the fake model.'],
      ['user', 'second question'],
    ]);
  });

  it('routes anthropic/ models through the Anthropic SDK', async () => {
    const session = await newSession(alice, 'anthropic/claude-haiku-4-5');
    const { text, events } = await send(session.id, 'hi there');
    expect(text.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'done', model: 'anthropic/claude-haiku-4-5' });
    expect(chat.anthropic.requests.at(-1)?.path).toBe('/v1/messages');
  });

  describe('provider faults end in one typed error event, with the partial answer saved', () => {
    it.each([
      [
        '429 with Retry-After',
        { kind: 'http-error' as const, status: 429, retryAfterSeconds: 7 },
        ErrorCode.ProviderRateLimited,
      ],
      ['500', { kind: 'http-error' as const, status: 500 }, ErrorCode.ProviderUnavailable],
      [
        'a malformed chunk',
        { kind: 'malformed-chunk' as const, afterTokens: 2 },
        ErrorCode.ProviderBadResponse,
      ],
      ['a stalled stream', { kind: 'stall' as const, afterTokens: 2 }, ErrorCode.ProviderTimeout],
      ['a dropped connection', { kind: 'drop' as const, afterTokens: 2 }, undefined],
    ])('%s', async (_name, behavior, code) => {
      chat.openai.enqueue(
        behavior.kind === 'http-error'
          ? behavior
          : { ...behavior, tokens: ['one', ' two', ' three', ' four'] },
      );
      const session = await newSession();
      const { ack, events, text } = await send(session.id, 'hello');
      const last = events.at(-1);
      expect(last?.type).toBe('error');
      if (code) expect(last?.type === 'error' && last.error.code).toBe(code);
      expect(events.filter((e) => e.type === 'done' || e.type === 'error')).toHaveLength(1);
      if (behavior.kind === 'http-error' && behavior.status === 429) {
        expect(last?.type === 'error' && last.error.details?.retryAfterMs).toBe(7_000);
      }
      const stored = await storedMessage(ack.assistantMessageId);
      expect(stored.status).toBe('failed');
      expect(stored.content).toBe(text);
      expect(stored.errorCode).toBe(last?.type === 'error' ? last.error.code : null);
    });
  });

  it('stops a generation when its owner cancels, keeping what was generated', async () => {
    chat.openai.enqueue({
      kind: 'answer',
      tokens: Array.from({ length: 200 }, (_, i) => ` w${i}`),
      tokenIntervalMs: 10,
    });
    const session = await newSession();
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    const ack = await chat.bus.request(
      ChatContract.startCompletion,
      { streamId, sessionId: session.id, content: 'long please' },
      alice,
    );
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 5) {
        await expect(
          chat.bus.cancelStream(ChatContract.completionStream, streamId, bob),
        ).rejects.toMatchObject({ code: ErrorCode.NotFound });
        await chat.bus.cancelStream(ChatContract.completionStream, streamId, alice);
      }
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    const deltas = events.filter((e) => e.type === 'delta').length;
    expect(deltas).toBeLessThan(200);
    const stored = await storedMessage(ack.assistantMessageId);
    expect(stored.status).toBe('cancelled');
    expect(stored.content.split(' ').length - 1).toBe(deltas);
  });

  describe('bad input gets a typed error and the service stays up', () => {
    it('rejects malformed and invalid requests with VALIDATION_FAILED', async () => {
      const subject = chat.bus.subject(ChatContract.startCompletion.subject);
      const bodies = [
        new TextEncoder().encode('not json'),
        encodeJson({}),
        encodeJson({ streamId: randomUUID(), sessionId: 'nope', content: 'x' }),
        encodeJson({ streamId: randomUUID(), sessionId: randomUUID(), content: '   ' }),
        encodeJson({ streamId: randomUUID(), sessionId: randomUUID(), content: 'x', extra: true }),
      ];
      for (const body of bodies) {
        const reply = decodeJson((await chat.bus.connection.request(subject, body, { timeout: 2_000 })).data);
        expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.ValidationFailed } });
      }
    });

    it('answers malformed JSON on every chat subject with VALIDATION_FAILED', async () => {
      const requestDefs = Object.values(ChatContract).filter((def) => def.kind === 'request');
      for (const def of requestDefs) {
        const msg = await chat.bus.connection.request(
          chat.bus.subject(def.subject),
          new TextEncoder().encode('{oops'),
          { timeout: 2_000 },
        );
        expect([def.subject, decodeJson(msg.data)]).toEqual([
          def.subject,
          expect.objectContaining({
            ok: false,
            error: expect.objectContaining({ code: ErrorCode.ValidationFailed }),
          }),
        ]);
      }
    });

    it('answers unknown models, foreign sessions and missing users with their codes', async () => {
      await expect(
        chat.bus.request(ChatContract.createSession, { model: 'openai/no-such-model' }, alice),
      ).rejects.toMatchObject({ code: ErrorCode.UnknownModel });
      const session = await newSession();
      await expect(send(session.id, 'hi', alice, 'nobody/none')).rejects.toMatchObject({
        code: ErrorCode.UnknownModel,
      });
      await expect(send(session.id, 'hi', bob)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      await expect(chat.bus.request(ChatContract.listSessions, {}, { userId: null })).rejects.toMatchObject({
        code: ErrorCode.Unauthenticated,
      });
      const { text } = await send(session.id, 'still working?');
      expect(text).toBe('Hello from the fake model.');
    });
  });

  it('keeps every session private to its owner', async () => {
    const session = await newSession(alice);
    const ref = { sessionId: session.id };
    await expect(chat.bus.request(ChatContract.getSession, ref, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(
      chat.bus.request(ChatContract.updateSession, { ...ref, update: { title: 'mine now' } }, bob),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(chat.bus.request(ChatContract.deleteSession, ref, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    const bobsList = await chat.bus.request(ChatContract.listSessions, { limit: 100 }, bob);
    expect(bobsList.items.map((s) => s.id)).not.toContain(session.id);
    await expect(chat.bus.request(ChatContract.getSession, ref, alice)).resolves.toMatchObject({
      id: session.id,
      title: 'test',
    });
  });

  it('pages through sessions newest first without gaps or repeats', async () => {
    const carol = { userId: `carol-${randomUUID()}` };
    const created = [];
    for (let i = 0; i < 5; i++)
      created.push((await chat.bus.request(ChatContract.createSession, { title: `s${i}` }, carol)).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await chat.bus.request(
        ChatContract.listSessions,
        { limit: 2, ...(cursor ? { cursor } : {}) },
        carol,
      );
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());
    await expect(
      chat.bus.request(ChatContract.listSessions, { cursor: 'garbage' }, carol),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
