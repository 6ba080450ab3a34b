import { randomUUID } from 'node:crypto';
import { ChatContract, ChatStreamEvent } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { DeploymentHealth } from '../src/generation/routing/deployment-health';
import { startTestChat, ChatTestService } from './support/chat-test-service';

const alice = { userId: 'alice' };
const PRIMARY = 'openai/gpt-4o-mini';
const FALLBACK = 'anthropic/claude-haiku-4-5';

async function runCompletion(chat: ChatTestService, model = PRIMARY) {
  const streamId = randomUUID();
  const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
  await chat.bus.request(
    ChatContract.runCompletion,
    { streamId, model, messages: [{ role: 'user', content: 'hello there' }] },
    alice,
  );
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  const attempts = await chat.prisma.generationAttempt.findMany({
    where: { streamId },
    orderBy: { startedAt: 'asc' },
  });
  return {
    events,
    text: events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join(''),
    last: events.at(-1),
    attempts: attempts.map((a) => [a.model, a.outcome, a.errorCode]),
  };
}

describe('retries and fallbacks through the real SDKs', () => {
  let chat: ChatTestService;
  const run = (model?: string) => runCompletion(chat, model);

  beforeAll(async () => {
    chat = await startTestChat({
      CHAT_MODEL_POLICIES: JSON.stringify({
        [PRIMARY]: { fallbacks: [FALLBACK] },
        'openai/gpt-4o': { fallbacks: [PRIMARY, FALLBACK] },
      }),
      CHAT_MAX_RETRIES: '1',
      CHAT_RETRY_MAX_WAIT_MS: '1500',
      PROVIDER_TIMEOUT_MS: '400',
      PROVIDER_STALL_TIMEOUT_MS: '400',
      // Cooldowns have their own suite below; here every test starts with healthy models.
      CHAT_COOLDOWN_AFTER_FAILURES: '1000',
    });
  });
  afterAll(() => chat.close());
  beforeEach(() => {
    chat.openai.reset();
    chat.anthropic.reset();
  });

  it.each([
    [
      'a 429 whose Retry-After is too long',
      { kind: 'http-error' as const, status: 429, retryAfterSeconds: 30 },
    ],
    ['a 500 twice', { kind: 'http-error' as const, status: 500 }],
    ['silence before the first token', { kind: 'stall' as const, afterTokens: 0 }],
  ])(
    'falls back before the first token on %s, and the client sees one clean stream',
    async (_name, fault) => {
      chat.openai.enqueue(fault, fault);
      const { events, text, last, attempts } = await run();
      expect(text.length).toBeGreaterThan(0);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect(events.filter((e) => e.type === 'error')).toHaveLength(0);
      expect(last).toMatchObject({ type: 'done', model: FALLBACK });
      expect(attempts.at(-1)).toEqual([FALLBACK, 'success', null]);
      expect(attempts[0]?.[0]).toBe(PRIMARY);
    },
  );

  it('honours a short Retry-After by retrying the same model', async () => {
    chat.openai.enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const { last, attempts } = await run();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(last).toMatchObject({ type: 'done', model: PRIMARY });
    expect(attempts).toEqual([
      [PRIMARY, 'failed', 'PROVIDER_RATE_LIMITED'],
      [PRIMARY, 'success', null],
    ]);
  });

  it('never replays text: a failure after the first token ends in one error event', async () => {
    chat.openai.enqueue({
      kind: 'drop',
      afterTokens: 3,
      tokens: ['one', ' two', ' three', ' four', ' five'],
    });
    const { events, text, last, attempts } = await run();
    expect(text).toBe('one two three');
    expect(last?.type).toBe('error');
    expect(events.filter((e) => e.type === 'error' || e.type === 'done')).toHaveLength(1);
    expect(attempts).toEqual([[PRIMARY, 'failed', expect.any(String)]]);
    expect(chat.anthropic.requests).toHaveLength(0);
  });

  it('falls back on a context-window error only to a model with a larger window', async () => {
    chat.openai.enqueue({ kind: 'http-error', status: 400, code: 'context_length_exceeded' });
    const { last, attempts } = await run('openai/gpt-4o');
    // gpt-4o-mini's window is no larger than gpt-4o's 128k, so it is skipped for Claude's 200k.
    expect(attempts.map((a) => a[0])).toEqual(['openai/gpt-4o', FALLBACK]);
    expect(last).toMatchObject({ type: 'done', model: FALLBACK });
  });

  it('neither retries nor falls back when the provider refuses the request itself', async () => {
    chat.openai.enqueue({
      kind: 'http-error',
      status: 400,
      code: 'invalid_request_error',
      message: 'bad parameter',
    });
    const { last, attempts } = await run();
    expect(last?.type).toBe('error');
    expect(attempts).toHaveLength(1);
    expect(chat.anthropic.requests).toHaveLength(0);
  });
});

describe('cooldowns', () => {
  let chat: ChatTestService;
  const run = () => runCompletion(chat);

  beforeAll(async () => {
    chat = await startTestChat({
      CHAT_MODEL_POLICIES: JSON.stringify({ [PRIMARY]: { fallbacks: [FALLBACK] } }),
      CHAT_MAX_RETRIES: '1',
      CHAT_RETRY_MAX_WAIT_MS: '1500',
      CHAT_COOLDOWN_AFTER_FAILURES: '2',
      // Long enough that a busy machine still makes the next request inside it.
      CHAT_COOLDOWN_MS: '5000',
    });
  });
  afterAll(() => chat.close());

  it('cools down a failing model, skips it, then probes it back', async () => {
    const outage = { kind: 'http-error' as const, status: 503 };
    chat.openai.enqueue(outage, outage);
    expect((await run()).last).toMatchObject({ type: 'done', model: FALLBACK });
    const primaryCalls = chat.openai.requests.length;
    const skipped = await run();
    expect(skipped.last).toMatchObject({ type: 'done', model: FALLBACK });
    expect(chat.openai.requests.length).toBe(primaryCalls);
    expect(skipped.attempts).toEqual([[FALLBACK, 'success', null]]);
    // The cooldown runs on the wall clock; its end is seen by asking the router's own health record.
    const health = chat.app.get(DeploymentHealth);
    await waitFor(() => !health.isCooling(PRIMARY), 'the cooldown of the primary model to end');
    const probed = await run();
    expect(probed.last).toMatchObject({ type: 'done', model: PRIMARY });
  });
});
