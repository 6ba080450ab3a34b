import OpenAI, {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { startFakeOpenAI, type FakeOpenAIServer } from './fake-openai.server';
import { waitFor } from '../wait-for';

const API_KEY = 'sk-fake-test-key';
const user = (content: string) => [{ role: 'user' as const, content }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>, into: ChatCompletionChunk[] = []) {
  for await (const chunk of stream) into.push(chunk);
  return into;
}

const textOf = (chunks: readonly ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

describe('fake OpenAI server driven by the openai SDK', () => {
  let fake: FakeOpenAIServer;
  let client: OpenAI;

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: API_KEY });
    // logLevel 'off' keeps the SDK from printing the malformed chunk it rejects.
    client = new OpenAI({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0, logLevel: 'off' });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('listens on 127.0.0.1 with a base URL ending in /v1', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`);
    expect(fake.port).toBeGreaterThan(0);
  });

  it('streams one chunk per token that reassemble into the answer, then a usage chunk when asked', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['Hel', 'lo', ',', ' world'] });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('say hello to the world'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);

    expect(textOf(chunks)).toBe('Hello, world');
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(contentChunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual([
      'Hel',
      'lo',
      ',',
      ' world',
    ]);
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toBe(chunks[0]?.id);
      expect(chunk.model).toBe('gpt-4o-mini');
      expect(typeof chunk.created).toBe('number');
    }
    expect(contentChunks[0]?.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: null });

    const finishChunk = chunks[chunks.length - 2];
    expect(finishChunk?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const usageChunk = chunks[chunks.length - 1];
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('sends no usage chunk unless stream_options.include_usage is set', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi'), stream: true }),
    );
    expect(textOf(chunks)).toBe('This is a scripted reply from the fake OpenAI server.');
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
    expect(chunks[chunks.length - 1]?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers non-streaming requests with a chat.completion and deterministic usage', async () => {
    fake.setBehavior({ kind: 'answer', tokens: 'The answer is 42.', usage: { inputTokens: 100 } });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'What is the answer?' }] },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'The answer is 42.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 4, total_tokens: 104 });

    fake.setBehavior(undefined);
    const plain = await client.chat.completions.create({ model: 'gpt-4o', messages: user('one two three') });
    expect(plain.usage?.prompt_tokens).toBe(3);
  });

  it('cuts the answer at max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('hi'),
      max_completion_tokens: 3,
    });
    expect(completion.choices[0]?.message.content).toBe('This is a');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('records parsed bodies and headers, and serves scripted behaviors in order before the chooser', async () => {
    const chooser = jest.fn((body: { model: string }) =>
      body.model === 'gpt-special' ? { kind: 'answer' as const, tokens: 'special' } : undefined,
    );
    fake.setBehavior(chooser);
    fake.enqueue({ kind: 'answer', tokens: 'first' }, { kind: 'answer', tokens: 'second' });

    const answers: (string | null | undefined)[] = [];
    for (const model of ['gpt-special', 'gpt-special', 'gpt-special', 'gpt-4o-mini']) {
      const completion = await client.chat.completions.create({ model, messages: user(`to ${model}`) });
      answers.push(completion.choices[0]?.message.content);
    }
    expect(answers).toEqual([
      'first',
      'second',
      'special',
      'This is a scripted reply from the fake OpenAI server.',
    ]);
    expect(chooser).toHaveBeenCalledTimes(2);
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      body: { model: 'gpt-special', messages: [{ role: 'user', content: 'to gpt-special' }] },
      behavior: { kind: 'answer', tokens: 'first' },
    });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);

    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(fake.diagnostics().queuedBehaviors).toBe(0);
  });

  it('lists models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini', 'gpt-4o']);
  });

  it('rejects a wrong or missing API key with an OpenAI-shaped 401', async () => {
    const wrong = new OpenAI({ baseURL: fake.url, apiKey: 'sk-wrong-key-1234', maxRetries: 0 });
    const error = await wrong.chat.completions
      .create({ model: 'm', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
    expect((error as AuthenticationError).type).toBe('invalid_request_error');

    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: user('hi') }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.message).toMatch(/didn't provide an API key/);
  });

  it('validates the request body like the API does', async () => {
    const noMessages = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini' }),
    });
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    });

    const notJson = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(notJson.status).toBe(400);

    const unknownRoute = await fetch(`${fake.url}/moderations`, { method: 'POST', body: '{}' });
    expect(unknownRoute.status).toBe(404);
    expect(await unknownRoute.json()).toMatchObject({
      error: { message: 'Invalid URL (POST /v1/moderations)' },
    });
  });

  it('surfaces a 429 as RateLimitError with a readable retry-after header', async () => {
    fake.enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 7 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('hi'), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
  });

  it('surfaces a 500 as InternalServerError and a context overflow 400 with its real code', async () => {
    fake.enqueue({ kind: 'http-error', status: 500 }, { kind: 'http-error', status: 400 });
    const serverError = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(serverError).toBeInstanceOf(InternalServerError);
    expect((serverError as InternalServerError).status).toBe(500);
    expect((serverError as InternalServerError).type).toBe('server_error');

    const tooLong = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(BadRequestError);
    expect((tooLong as BadRequestError).code).toBe('context_length_exceeded');
    expect((tooLong as BadRequestError).param).toBe('messages');
    expect((tooLong as BadRequestError).message).toMatch(/maximum context length/);
  });

  it('makes the SDK stream throw on a malformed chunk, after the tokens before it', async () => {
    fake.enqueue({ kind: 'malformed-chunk', afterTokens: 2 });
    const chunks: ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages: user('hi'), stream: true });
    await expect(collect(stream, chunks)).rejects.toThrow(SyntaxError);
    expect(textOf(chunks)).toBe('This is');
  });

  it('sends an in-stream error object that the SDK throws as an APIError', async () => {
    fake.enqueue({ kind: 'stream-error', afterTokens: 1, message: 'upstream fell over' });
    const chunks: ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages: user('hi'), stream: true });
    const error = await collect(stream, chunks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toMatch(/upstream fell over/);
    expect((error as APIError).type).toBe('server_error');
    expect(textOf(chunks)).toBe('This');
  });

  it('drops the connection mid-stream', async () => {
    fake.enqueue({ kind: 'drop', afterTokens: 3, tokenIntervalMs: 5 });
    const chunks: ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages: user('hi'), stream: true });
    await expect(collect(stream, chunks)).rejects.toThrow();
    expect(textOf(chunks)).toBe('This is a');

    fake.enqueue({ kind: 'drop', afterTokens: 0 });
    const nonStream = await client.chat.completions
      .create({ model: 'm', messages: user('hi') })
      .catch((e: unknown) => e);
    expect(nonStream).toBeInstanceOf(APIConnectionError);
  });

  it('paces tokens with one timer per token', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['a', 'b', 'c', 'd', 'e'], tokenIntervalMs: 30 });
    const arrivals: number[] = [];
    const started = Date.now();
    const stream = await client.chat.completions.create({ model: 'm', messages: user('hi'), stream: true });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) arrivals.push(Date.now() - started);
    }
    expect(arrivals).toHaveLength(5);
    expect(arrivals[4]!).toBeGreaterThanOrEqual(120);
    expect(arrivals[4]! - arrivals[0]!).toBeGreaterThanOrEqual(90);
    expect(fake.diagnostics().pendingTimers).toBe(0);
  });

  it('stalls a stream until the client aborts, leaving nothing behind', async () => {
    fake.enqueue({ kind: 'stall', afterTokens: 2 });
    const controller = new AbortController();
    const chunks: ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create(
      { model: 'm', messages: user('hi'), stream: true },
      { signal: controller.signal },
    );
    const consumed = collect(stream, chunks);
    await waitFor(() => textOf(chunks) === 'This is', 'the tokens before the stall');
    controller.abort();
    // The SDK ends an aborted stream quietly.
    await consumed;
    expect(textOf(chunks)).toBe('This is');
    await waitFor(() => fake.diagnostics().activeResponses === 0, 'the response to close');
    expect(fake.diagnostics().pendingTimers).toBe(0);
  });

  it('stalls a non-streaming request until the SDK timeout fires', async () => {
    fake.enqueue({ kind: 'stall' });
    const error = await client.chat.completions
      .create({ model: 'm', messages: user('hi') }, { timeout: 150 })
      .catch((e: unknown) => e);
    // Node reports APIConnectionTimeoutError; inside Jest's VM realm the SDK's `instanceof Error` check on the
    // fetch AbortError fails, so only the APIConnectionError base class is certain here.
    expect(error).toBeInstanceOf(APIConnectionError);
  });

  it('close() returns promptly with a stalled stream open, and the client sees the stream end', async () => {
    fake.enqueue({ kind: 'stall', afterTokens: 1, tokenIntervalMs: 10 });
    const chunks: ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'm', messages: user('hi'), stream: true });
    const consumed = collect(stream, chunks).then(
      () => 'ended',
      () => 'failed',
    );
    await waitFor(() => chunks.length >= 2, 'the first token');

    // A close() that waited for the stalled stream would never return (the test's timeout catches it).
    await fake.close();
    expect(await consumed).toBe('failed');
    expect(fake.diagnostics()).toEqual({
      openSockets: 0,
      activeResponses: 0,
      pendingTimers: 0,
      queuedBehaviors: 0,
    });
  });

  it('close() cancels pending pacing timers', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['slow', ' tokens', ' here'], tokenIntervalMs: 10_000 });
    const stream = await client.chat.completions.create({ model: 'm', messages: user('hi'), stream: true });
    const consumed = collect(stream).then(
      () => 'ended',
      () => 'failed',
    );
    await waitFor(() => fake.diagnostics().pendingTimers === 1, 'a pacing timer');
    await fake.close();
    expect(fake.diagnostics().pendingTimers).toBe(0);
    expect(await consumed).toBe('failed');
  });
});

describe('fake OpenAI server without an API key', () => {
  it('accepts any key and serves the configured default answer', async () => {
    const fake = await startFakeOpenAI({ defaultAnswer: ['x', 'y'], recordRequests: false });
    try {
      const client = new OpenAI({ baseURL: fake.url, apiKey: 'anything', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'm', messages: user('hi') });
      expect(completion.choices[0]?.message.content).toBe('xy');
      expect(fake.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
