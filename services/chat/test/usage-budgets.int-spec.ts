import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import {
  BudgetExceededDetails,
  CallerContext,
  ChatContract,
  ChatStreamEvent,
  CompletionMessage,
  DomainError,
  ErrorCode,
  GenerationParams,
  UsageContract,
} from '@conduit/contracts';
import { REDIS } from '@conduit/service-kit';
import {
  sseBody,
  startScriptedHttpServer,
  type ScriptedHttpServer,
} from '../src/providers/testing/scripted-http.server';
import { costOf, estimatePromptTokens, estimateTokens } from '../src/generation/token-accounting';
import { ledgerRow, startTestChat, type ChatTestService } from './support/chat-test-service';

const MINI_PRICING = { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6, cachedInputPerMTokUsd: 0.075 };
/** A compatible server that, like some self-hosted ones, ignores `stream_options.include_usage`. */
const NO_USAGE_PRICING = { inputPerMTokUsd: 1, outputPerMTokUsd: 2, cachedInputPerMTokUsd: 0 };
const HI: CompletionMessage[] = [{ role: 'user', content: 'hi' }];
/** "hi" with max 10 output tokens: 5 prompt tokens (estimated) + 10 = 15 tokens at worst. */
const HI_CEILING_TOKENS = 15;

const chunk = (choice: object | null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm1',
  choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [],
});

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function helpers(chat: () => ChatTestService) {
  async function send(sessionId: string, content: string, caller: CallerContext) {
    const streamId = randomUUID();
    const stream = chat().bus.openStream(ChatContract.completionStream, streamId);
    try {
      const ack = await chat().bus.request(
        ChatContract.startCompletion,
        { streamId, sessionId, content },
        caller,
      );
      return { ack, streamId, events: await collect(stream) };
    } catch (error) {
      stream.close();
      throw error;
    }
  }

  async function run(caller: CallerContext, params: GenerationParams = { maxTokens: 10 }, messages = HI) {
    const streamId = randomUUID();
    const stream = chat().bus.openStream(ChatContract.completionStream, streamId);
    try {
      await chat().bus.request(
        ChatContract.runCompletion,
        { streamId, model: 'openai/gpt-4o-mini', messages, params },
        caller,
      );
      return { streamId, events: await collect(stream) };
    } catch (error) {
      stream.close();
      throw error;
    }
  }

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected BUDGET_EXCEEDED, the call went through');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(ErrorCode.BudgetExceeded);
        return (error as DomainError).details as unknown as BudgetExceededDetails;
      },
    );

  const row = (streamId: string) => ledgerRow(chat(), streamId);

  return { send, run, refusal, row };
}

describe('usage ledger and budgets of chat completions (chat meters, the usage service keeps the ledger)', () => {
  let chat: ChatTestService;
  let noUsage: ScriptedHttpServer;
  const { send, run, refusal, row } = helpers(() => chat);

  beforeAll(async () => {
    noUsage = await startScriptedHttpServer({
      body: sseBody([
        { data: chunk({ delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }) },
        { data: chunk({ delta: { content: ' from a server that counts nothing.' }, finish_reason: null }) },
        { data: chunk({ delta: {}, finish_reason: 'stop' }) },
        { data: '[DONE]' },
      ]),
    });
    chat = await startTestChat({
      CHAT_MAX_RETRIES: '0',
      CHAT_COOLDOWN_AFTER_FAILURES: '1000',
      CHAT_OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([
        {
          id: 'nousage',
          baseUrl: `${noUsage.origin}/v1`,
          models: [{ name: 'm1', contextWindow: 8_000, maxOutputTokens: 100, pricing: NO_USAGE_PRICING }],
        },
      ]),
    });
  });
  afterAll(async () => {
    await chat?.close();
    await noUsage?.close();
  });
  beforeEach(() => chat.openai.reset());

  const newSession = (caller: CallerContext, model?: string) =>
    // Titled, so no title is asked of the model after the first answer.
    chat.bus.request(ChatContract.createSession, { title: 'usage', ...(model ? { model } : {}) }, caller);

  describe('one ledger row per completion, whatever its outcome', () => {
    const alice = { userId: 'alice', apiKeyId: 'key-alice-1' };

    it('a streamed session answer: the provider-reported usage, its catalog cost, message and key', async () => {
      chat.openai.enqueue({
        kind: 'answer',
        tokens: ['Paris', ' is', ' sunny', '.'],
        usage: { inputTokens: 12, outputTokens: 4 },
      });
      const session = await newSession(alice);
      const { ack, streamId, events } = await send(session.id, 'What is the weather in Paris?', alice);
      expect(events.at(-1)).toMatchObject({ type: 'done' });
      const stored = await row(streamId);
      expect(stored).toMatchObject({
        userId: 'alice',
        apiKeyId: 'key-alice-1',
        reference: ack.assistantMessageId,
        model: 'openai/gpt-4o-mini',
        status: 'complete',
        inputTokens: 12,
        outputTokens: 4,
        cachedTokens: 0,
        estimated: false,
      });
      expect(stored.costUsd).toBeCloseTo((12 * 0.15 + 4 * 0.6) / 1e6, 12);
    });

    it('a stateless completion: no message, same accounting', async () => {
      chat.openai.enqueue({
        kind: 'answer',
        tokens: ['a', ' b', ' c'],
        usage: { inputTokens: 7, outputTokens: 3 },
      });
      const { streamId } = await run({ userId: 'alice', apiKeyId: null }, { maxTokens: 10 });
      const stored = await row(streamId);
      expect(stored).toMatchObject({ apiKeyId: null, reference: null, inputTokens: 7, outputTokens: 3 });
      expect(stored.costUsd).toBeCloseTo(
        costOf({ inputTokens: 7, outputTokens: 3, cachedTokens: 0, estimated: false }, MINI_PRICING),
        12,
      );
    });

    it('a provider that reports no usage: estimated counts, priced, and marked as estimated', async () => {
      const session = await newSession(alice, 'nousage/m1');
      const { streamId, events } = await send(session.id, 'Say hello please', alice);
      const done = events.at(-1);
      expect(done).toMatchObject({ type: 'done', usage: { estimated: true } });
      const text = 'Hello from a server that counts nothing.';
      const stored = await row(streamId);
      const inputTokens = estimatePromptTokens([{ role: 'user', content: 'Say hello please' }]);
      expect(stored).toMatchObject({
        model: 'nousage/m1',
        estimated: true,
        inputTokens,
        outputTokens: estimateTokens(text),
      });
      expect(stored.costUsd).toBeCloseTo((inputTokens * 1 + estimateTokens(text) * 2) / 1e6, 12);
      expect(stored.costUsd).toBeGreaterThan(0);
    });

    it('a failure after some text: partial usage, estimated, status failed', async () => {
      chat.openai.enqueue({ kind: 'stream-error', tokens: ['one', ' two', ' three'], afterTokens: 2 });
      const session = await newSession(alice);
      const { streamId, events } = await send(session.id, 'count for me', alice);
      expect(events.at(-1)).toMatchObject({ type: 'error' });
      const stored = await row(streamId);
      expect(stored).toMatchObject({
        status: 'failed',
        estimated: true,
        outputTokens: estimateTokens('one two'),
      });
      expect(stored.inputTokens).toBeGreaterThan(0);
      expect(stored.costUsd).toBeGreaterThan(0);
    });

    it('a failure before any text: a row with nothing charged (providers bill no refused call)', async () => {
      chat.openai.enqueue({ kind: 'http-error', status: 401 });
      const { streamId, events } = await run({ userId: 'alice', apiKeyId: null });
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: ErrorCode.ProviderAuthFailed } });
      const stored = await row(streamId);
      expect(stored).toMatchObject({ status: 'failed', inputTokens: 0, outputTokens: 0, estimated: true });
      expect(stored.costUsd).toBe(0);
    });

    it('a cancelled answer: what was generated, estimated, status cancelled', async () => {
      chat.openai.enqueue({
        kind: 'answer',
        tokens: Array.from({ length: 200 }, (_, i) => ` w${i}`),
        tokenIntervalMs: 10,
      });
      const session = await newSession(alice);
      const streamId = randomUUID();
      const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
      await chat.bus.request(
        ChatContract.startCompletion,
        { streamId, sessionId: session.id, content: 'long please' },
        alice,
      );
      const events: ChatStreamEvent[] = [];
      for await (const event of stream) {
        events.push(event);
        if (events.length === 5) await chat.bus.cancelStream(ChatContract.completionStream, streamId, alice);
      }
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
      const deltas = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
      const stored = await row(streamId);
      expect(stored).toMatchObject({
        status: 'cancelled',
        estimated: true,
        outputTokens: estimateTokens(deltas),
      });
    });
  });

  describe('budgets per user and per API key', () => {
    it('refuses before the provider is called and before the message is stored, with the budget in details', async () => {
      const bob = { userId: 'bob', apiKeyId: null };
      await chat.bus.request(
        UsageContract.setBudget,
        { target: { scope: 'user' }, limits: { period: 'day', limitUsd: 0.015 } },
        bob,
      );
      // 10,000 output tokens of gpt-4o-mini: $0.006; a session turn may cost up to ~$0.0098 (16,384 out).
      chat.openai.enqueue({
        kind: 'answer',
        tokens: ['ok'],
        usage: { inputTokens: 5, outputTokens: 10_000 },
      });
      const session = await newSession(bob);
      await send(session.id, 'hello', bob);
      const providerCalls = chat.openai.requests.length;

      const details = await refusal(send(session.id, 'hello again', bob));
      const tomorrow = new Date();
      tomorrow.setUTCHours(24, 0, 0, 0);
      expect(details).toMatchObject({
        scope: 'user',
        apiKeyId: null,
        source: 'user',
        period: 'day',
        limit: 'usd',
        limitUsd: 0.015,
        reservedUsd: 0,
        resetsAt: tomorrow.toISOString(),
      });
      expect(details.spentUsd).toBeCloseTo((5 * 0.15 + 10_000 * 0.6) / 1e6, 10);
      expect(details.requestMaxUsd).toBeGreaterThan(0.015 - details.spentUsd);
      expect(chat.openai.requests.length).toBe(providerCalls);
      const stored = await chat.bus.request(ChatContract.getSession, { sessionId: session.id }, bob);
      expect(stored.messages.map((m) => m.content)).toEqual(['hello', 'ok']);

      // A larger budget lets the next turn through at once, on every replica.
      await chat.bus.request(
        UsageContract.setBudget,
        { target: { scope: 'user' }, limits: { period: 'day', limitUsd: 1 } },
        bob,
      );
      const { events } = await send(session.id, 'hello again', bob);
      expect(events.at(-1)).toMatchObject({ type: 'done' });
    });

    it('a key budget limits that key only; the user budget limits every call of the user', async () => {
      const withKey1 = { userId: 'carol', apiKeyId: 'carol-key-1' };
      const withKey2 = { userId: 'carol', apiKeyId: 'carol-key-2' };
      const withToken = { userId: 'carol', apiKeyId: null };
      chat.openai.setBehavior({ kind: 'answer', usage: { inputTokens: 5, outputTokens: 10 } });
      await chat.bus.request(
        UsageContract.setBudget,
        {
          target: { scope: 'api_key', apiKeyId: 'carol-key-1' },
          limits: { period: 'month', limitTokens: 3 * HI_CEILING_TOKENS - 1 },
        },
        withToken,
      );
      await run(withKey1);
      await run(withKey1);
      const details = await refusal(run(withKey1));
      expect(details).toMatchObject({
        scope: 'api_key',
        apiKeyId: 'carol-key-1',
        period: 'month',
        limit: 'tokens',
        limitTokens: 44,
        spentTokens: 30,
        requestMaxTokens: HI_CEILING_TOKENS,
      });
      await run(withKey2);
      await run(withToken);

      await chat.bus.request(
        UsageContract.setBudget,
        { target: { scope: 'user' }, limits: { period: 'day', limitTokens: 4 * 15 + 14 } },
        withToken,
      );
      await expect(refusal(run(withToken))).resolves.toMatchObject({ scope: 'user', spentTokens: 60 });
      await expect(refusal(run(withKey2))).resolves.toMatchObject({ scope: 'user' });

      const { data } = await chat.bus.request(UsageContract.listBudgets, {}, withToken);
      expect(data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ scope: 'user', source: 'user', limitTokens: 74, spentTokens: 60 }),
          expect.objectContaining({ scope: 'api_key', apiKeyId: 'carol-key-1', spentTokens: 30 }),
        ]),
      );

      // Redis loses the counters (restart, eviction): they are rebuilt from the ledger, limits hold.
      const redis = chat.app.get<Redis>(REDIS);
      const prefix = chat.config.REDIS_KEY_PREFIX;
      const keys = await redis.keys(`${prefix}budget:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys.map((key) => key.slice(prefix.length)));
      await expect(refusal(run(withKey1))).resolves.toMatchObject({ scope: 'api_key', spentTokens: 30 });
      await expect(refusal(run(withToken))).resolves.toMatchObject({ scope: 'user', spentTokens: 60 });

      await chat.bus.request(UsageContract.deleteBudget, { target: { scope: 'user' } }, withToken);
      await run(withToken);
      await expect(
        chat.bus.request(UsageContract.deleteBudget, { target: { scope: 'user' } }, withToken),
      ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });

    it('concurrent calls never overspend: the worst case of each is held until it settles', async () => {
      const erin = { userId: 'erin', apiKeyId: null };
      // Every call costs exactly its worst case, so exactly five fit.
      chat.openai.setBehavior({
        kind: 'answer',
        tokens: Array.from({ length: 10 }, (_, i) => ` t${i}`),
        tokenIntervalMs: 5,
        usage: { inputTokens: 5, outputTokens: 10 },
      });
      const perCall = costOf(
        { inputTokens: 5, outputTokens: 10, cachedTokens: 0, estimated: false },
        MINI_PRICING,
      );
      await chat.bus.request(
        UsageContract.setBudget,
        { target: { scope: 'user' }, limits: { period: 'day', limitUsd: 5 * perCall } },
        erin,
      );
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => run(erin)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          expect(outcome.reason).toMatchObject({ code: ErrorCode.BudgetExceeded });
      }
      const summary = await chat.bus.request(
        UsageContract.summarizeUsage,
        {
          from: new Date(Date.now() - 60_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
          groupBy: ['model'],
        },
        erin,
      );
      expect(summary.totals.requests).toBe(5);
      expect(summary.totals.costUsd).toBeCloseTo(5 * perCall, 12);
    });
  });

  describe('usage summary', () => {
    it("sums the caller's usage by day, model and key, counting estimated calls, and nobody else's", async () => {
      const frank = (apiKeyId: string | null) => ({ userId: 'frank', apiKeyId });
      chat.openai.setBehavior({ kind: 'answer', usage: { inputTokens: 5, outputTokens: 10 } });
      await run(frank('frank-key'));
      await run(frank('frank-key'));
      await run(frank(null));
      const session = await newSession(frank(null), 'nousage/m1');
      await send(session.id, 'no usage here', frank(null));

      const range = {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      };
      const summary = await chat.bus.request(
        UsageContract.summarizeUsage,
        { ...range, groupBy: ['day', 'model', 'apiKey'] },
        frank(null),
      );
      expect(summary.totals).toMatchObject({ requests: 4, estimatedRequests: 1 });
      expect(summary.byDay?.map((d) => d.requests).reduce((a, b) => a + b, 0)).toBe(4);
      expect(summary.byDay?.at(-1)?.day).toBe(new Date().toISOString().slice(0, 10));
      expect(summary.byModel).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            model: 'openai/gpt-4o-mini',
            requests: 3,
            inputTokens: 15,
            outputTokens: 30,
          }),
          expect.objectContaining({ model: 'nousage/m1', requests: 1, estimatedRequests: 1 }),
        ]),
      );
      expect(summary.byApiKey).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ apiKeyId: 'frank-key', requests: 2 }),
          expect.objectContaining({ apiKeyId: null, requests: 2 }),
        ]),
      );
      expect(summary.totals.costUsd).toBeCloseTo(
        summary.byModel!.reduce((sum, m) => sum + m.costUsd, 0),
        12,
      );

      const nobody = await chat.bus.request(
        UsageContract.summarizeUsage,
        { ...range, groupBy: ['day', 'model', 'apiKey'] },
        { userId: 'someone-else' },
      );
      expect(nobody).toMatchObject({
        totals: { requests: 0, costUsd: 0 },
        byDay: [],
        byModel: [],
        byApiKey: [],
      });
    });

    it('rejects bad ranges with VALIDATION_FAILED', async () => {
      const now = Date.now();
      await expect(
        chat.bus.request(
          UsageContract.summarizeUsage,
          { from: new Date(now).toISOString(), to: new Date(now - 1).toISOString(), groupBy: ['day'] },
          { userId: 'frank' },
        ),
      ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    });
  });
});

describe('the deployment-wide budget per user (USAGE_USER_BUDGET_*)', () => {
  let chat: ChatTestService;
  const { run, refusal } = helpers(() => chat);

  beforeAll(async () => {
    chat = await startTestChat({
      USAGE_USER_BUDGET_TOKENS: String(2 * HI_CEILING_TOKENS),
      USAGE_USER_BUDGET_PERIOD: 'day',
    });
    chat.openai.setBehavior({ kind: 'answer', usage: { inputTokens: 5, outputTokens: 10 } });
  });
  afterAll(() => chat?.close());

  it('applies to every user, and a budget of their own cannot lift it', async () => {
    const gina = { userId: 'gina', apiKeyId: null };
    await run(gina);
    await run(gina);
    await expect(refusal(run(gina))).resolves.toMatchObject({
      scope: 'user',
      source: 'deployment',
      limitTokens: 30,
      spentTokens: 30,
    });
    await chat.bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: { period: 'month', limitTokens: 1_000_000 } },
      gina,
    );
    await expect(refusal(run(gina))).resolves.toMatchObject({ source: 'deployment' });
    const { data } = await chat.bus.request(UsageContract.listBudgets, {}, gina);
    expect(data.map((b) => [b.source, b.period, b.limitTokens])).toEqual([
      ['deployment', 'day', 30],
      ['user', 'month', 1_000_000],
    ]);
    // Another user has their own allowance.
    await run({ userId: 'hank', apiKeyId: null });
  });
});

describe('budgets while Redis is unreachable', () => {
  let chat: ChatTestService;
  const { run, refusal } = helpers(() => chat);

  beforeAll(async () => {
    // Nothing listens on port 1: every Redis command fails at once.
    chat = await startTestChat({ REDIS_URL: 'redis://127.0.0.1:1' });
    chat.openai.setBehavior({
      kind: 'answer',
      tokens: Array.from({ length: 10 }, (_, i) => ` t${i}`),
      tokenIntervalMs: 5,
      usage: { inputTokens: 5, outputTokens: 10 },
    });
  });
  afterAll(() => chat?.close());

  it('are still enforced, against the ledger and this replica’s own holds', async () => {
    const ivan = { userId: 'ivan', apiKeyId: null };
    await chat.bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: { period: 'day', limitTokens: 3 * HI_CEILING_TOKENS } },
      ivan,
    );
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => run(ivan)));
    // Never more than the budget holds. Without Redis a replica errs on the safe side: a call that
    // settles while a ledger read is in flight is counted by its hold until the read ends, and the read
    // may already include its record, so on a busy machine a third call can be refused too.
    const served = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(served).toBeGreaterThanOrEqual(2);
    expect(served).toBeLessThanOrEqual(3);
    const { rows } = await chat.usageDb.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM usage_records WHERE user_id = 'ivan'",
    );
    expect(rows[0]!.n).toBe(served);
    if (served === 3) {
      await expect(refusal(run(ivan))).resolves.toMatchObject({ scope: 'user', spentTokens: 45 });
    }
  });
});
