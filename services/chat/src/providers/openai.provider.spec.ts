import type { CompletionMessage, GenerationParams } from '@conduit/contracts';
import { startFakeOpenAI, waitFor, type FakeOpenAIServer } from '@conduit/testing';
import OpenAI from 'openai';
import { mapProviderError, openAIErrors, ProviderError } from '@conduit/provider-errors';
import { OpenAIProvider, type OpenAIProviderOptions } from './openai.provider';
import { runStream, textOf } from './testing/collect-chunks';
import { sseBody, startScriptedHttpServer, type ScriptedHttpServer } from './testing/scripted-http.server';

const API_KEY = 'sk-test-0123456789abcdef';
const messages: CompletionMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'say hello to the world' },
];

describe('OpenAIProvider against the fake OpenAI server', () => {
  let fake: FakeOpenAIServer;

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  function provider(options: Partial<OpenAIProviderOptions> = {}): OpenAIProvider {
    return new OpenAIProvider({
      id: 'openai',
      apiKey: API_KEY,
      baseURL: fake.url,
      timeoutMs: 5_000,
      ...options,
    });
  }

  function stream(
    target: OpenAIProvider,
    params: GenerationParams = {},
    signal = new AbortController().signal,
    onChunk?: Parameters<typeof runStream>[1],
  ) {
    return runStream(target.stream({ model: 'gpt-4o-mini', messages, params, signal }), onChunk);
  }

  it('streams the text, then usage, then the finish reason', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['Hel', 'lo', ',', ' world'] });

    const { chunks, error } = await stream(provider());

    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'text', text: ',' },
      { type: 'text', text: ' world' },
      // The fake counts words: 2 in the system prompt + 5 in the user message.
      { type: 'usage', usage: { inputTokens: 7, outputTokens: 4, cachedTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('sends the conversation, streaming with usage, and maps the generation params', async () => {
    await stream(provider(), { maxTokens: 50, temperature: 0.3, topP: 0.9, stop: ['\n\n'] });

    const request = fake.requests[0];
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['\n\n'],
    });
    expect(request?.body).not.toHaveProperty('max_completion_tokens');
  });

  it('sends max_completion_tokens instead when configured for OpenAI itself, and leaves unset params out', async () => {
    await stream(provider({ maxTokensParam: 'max_completion_tokens' }), { maxTokens: 50 });
    await stream(provider());

    expect(fake.requests[0]?.body).toMatchObject({ max_completion_tokens: 50 });
    expect(fake.requests[0]?.body).not.toHaveProperty('max_tokens');
    const unset = fake.requests[1]?.body ?? {};
    for (const key of ['max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop']) {
      expect(unset).not.toHaveProperty(key);
    }
  });

  it('reports a length finish when the answer is cut at max tokens', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['one', ' two', ' three', ' four'] });

    const { chunks } = await stream(provider(), { maxTokens: 2 });

    expect(textOf(chunks)).toBe('one two');
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it.each([
    [429, 'rate_limited'],
    [500, 'unavailable'],
    [503, 'unavailable'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'bad_request'],
  ] as const)('maps HTTP %i to %s', async (status, kind) => {
    fake.enqueue({ kind: 'http-error', status });

    const { chunks, error } = await stream(provider());

    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, provider: 'openai', status });
  });

  it('maps a 429 to rate_limited with the retry-after delay', async () => {
    fake.enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 7 });

    const { error } = await stream(provider());

    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_000, status: 429 });
    expect((error as ProviderError).toBody().details).toMatchObject({ retryAfterMs: 7_000 });
  });

  it('maps an exhausted quota (429 insufficient_quota) to auth: waiting will not help', async () => {
    fake.enqueue({
      kind: 'http-error',
      status: 429,
      errorType: 'insufficient_quota',
      code: 'insufficient_quota',
    });

    const { error } = await stream(provider());

    expect(error).toMatchObject({ kind: 'auth', status: 429 });
  });

  it('maps 400 context_length_exceeded to context_length, keeping the provider message', async () => {
    fake.enqueue({ kind: 'http-error', status: 400 });

    const { error } = await stream(provider());

    expect(error).toMatchObject({ kind: 'context_length', status: 400, code: 'CONTEXT_LENGTH_EXCEEDED' });
    expect((error as Error).message).toContain('maximum context length is 128000 tokens');
  });

  it('maps a content policy rejection to content_policy and other 400s to bad_request', async () => {
    fake.enqueue(
      {
        kind: 'http-error',
        status: 400,
        code: 'content_policy_violation',
        message: 'Your request was rejected.',
      },
      {
        kind: 'http-error',
        status: 400,
        code: 'invalid_value',
        param: 'temperature',
        message: "Invalid 'temperature'.",
      },
    );

    expect((await stream(provider())).error).toMatchObject({ kind: 'content_policy' });
    expect((await stream(provider())).error).toMatchObject({
      kind: 'bad_request',
      code: 'PROVIDER_BAD_RESPONSE',
    });
  });

  it('does not echo the key back when the key is rejected', async () => {
    const { error } = await stream(provider({ apiKey: 'sk-wrong-key-1234567890' }));

    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect((error as Error).message).not.toMatch(/sk-|7890/);
  });

  it('maps an error event inside the stream to unavailable, after the text that preceded it', async () => {
    fake.enqueue({ kind: 'stream-error', afterTokens: 2, tokens: ['a', ' b', ' c'] });

    const { chunks, error } = await stream(provider());

    expect(chunks).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: ' b' },
    ]);
    expect(error).toMatchObject({ kind: 'unavailable', status: null });
  });

  it('maps a malformed chunk to bad_response', async () => {
    fake.enqueue({ kind: 'malformed-chunk', afterTokens: 1, tokens: ['a', ' b'] });

    const { chunks, error } = await stream(provider());

    expect(textOf(chunks)).toBe('a');
    expect(error).toMatchObject({ kind: 'bad_response' });
  });

  it('maps a connection dropped mid-stream to unavailable', async () => {
    fake.enqueue({ kind: 'drop', afterTokens: 2, tokens: ['a', ' b', ' c'] });

    const { chunks, error } = await stream(provider());

    expect(textOf(chunks)).toBe('a b');
    expect(error).toMatchObject({ kind: 'unavailable' });
  });

  it('ends a stalled stream when the signal aborts, rethrowing the abort reason as-is', async () => {
    fake.enqueue({ kind: 'stall', afterTokens: 1, tokens: ['a', ' b'] });
    const controller = new AbortController();
    const reason = new Error('stall watchdog');

    // Aborted once the first token has come, while the server holds the rest back.
    const { chunks, error } = await stream(provider(), {}, controller.signal, () => controller.abort(reason));

    expect(textOf(chunks)).toBe('a');
    expect(error).toBe(reason);
  });

  it('rethrows the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();

    const { chunks, error } = await stream(provider(), {}, controller.signal);

    expect(chunks).toEqual([]);
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
  });
});

describe('OpenAIProvider against scripted servers', () => {
  let server: ScriptedHttpServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function streamFrom(response: Parameters<typeof startScriptedHttpServer>[0], timeoutMs = 5_000) {
    server = await startScriptedHttpServer(response);
    const target = new OpenAIProvider({
      id: 'groq',
      apiKey: undefined,
      baseURL: `${server.origin}/v1`,
      timeoutMs,
    });
    return runStream(
      target.stream({ model: 'm', messages, params: {}, signal: new AbortController().signal }),
    );
  }

  const chunk = (choice: object | null, usage: object | null = null) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [],
    usage,
  });

  it('reads cached prompt tokens, and content_filter finishes', async () => {
    const { chunks, error } = await streamFrom({
      body: sseBody([
        { data: chunk({ delta: { content: 'Sorry' }, finish_reason: null }) },
        { data: chunk({ delta: {}, finish_reason: 'content_filter' }) },
        {
          data: chunk(null, {
            prompt_tokens: 1200,
            completion_tokens: 1,
            prompt_tokens_details: { cached_tokens: 1024 },
          }),
        },
        { data: '[DONE]' },
      ]),
    });

    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      { type: 'text', text: 'Sorry' },
      { type: 'usage', usage: { inputTokens: 1200, outputTokens: 1, cachedTokens: 1024 } },
      { type: 'finish', reason: 'content_filter' },
    ]);
  });

  it("reads DeepSeek's prompt_cache_hit_tokens, and streams without usage when the server sends none", async () => {
    const deepseek = await streamFrom({
      body: sseBody([
        { data: chunk({ delta: { content: 'ok' }, finish_reason: 'stop' }) },
        { data: chunk(null, { prompt_tokens: 90, completion_tokens: 1, prompt_cache_hit_tokens: 64 }) },
        { data: '[DONE]' },
      ]),
    });
    expect(deepseek.chunks).toContainEqual({
      type: 'usage',
      usage: { inputTokens: 90, outputTokens: 1, cachedTokens: 64 },
    });

    await server?.close();
    const noUsage = await streamFrom({
      body: sseBody([
        { data: chunk({ delta: { content: 'ok' }, finish_reason: 'stop' }) },
        { data: '[DONE]' },
      ]),
    });
    expect(noUsage.chunks).toEqual([
      { type: 'text', text: 'ok' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('tears the HTTP request down when the signal aborts a stalled stream', async () => {
    server = await startScriptedHttpServer({
      keepOpen: true,
      body: sseBody([{ data: chunk({ delta: { content: 'a' }, finish_reason: null }) }]),
    });
    const target = new OpenAIProvider({
      id: 'openai',
      apiKey: API_KEY,
      baseURL: `${server.origin}/v1`,
      timeoutMs: 5_000,
    });
    const controller = new AbortController();

    const { chunks, error } = await runStream(
      target.stream({ model: 'm', messages, params: {}, signal: controller.signal }),
      () => controller.abort(),
    );

    expect(chunks).toEqual([{ type: 'text', text: 'a' }]);
    expect(error).toBe(controller.signal.reason);
    const scripted = server;
    await waitFor(() => scripted.abandoned === 1, 'the server to see the request abandoned');
  });

  it('fails a stream that ends without a finish reason instead of passing it off as complete', async () => {
    const { chunks, error } = await streamFrom({
      body: sseBody([{ data: chunk({ delta: { content: 'half an ans' }, finish_reason: null }) }]),
    });

    expect(textOf(chunks)).toBe('half an ans');
    expect(error).toMatchObject({ kind: 'unavailable' });
  });

  it('reads the retry-after-ms header of a 503', async () => {
    const { error } = await streamFrom({
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after-ms': '1500' },
      body: JSON.stringify({
        error: { message: 'overloaded', type: 'server_error', param: null, code: null },
      }),
    });

    expect(error).toMatchObject({ kind: 'unavailable', status: 503, retryAfterMs: 1_500 });
  });

  // Under Jest the openai SDK cannot recognise the timeout of Node's fetch (its abort error comes from another
  // realm; plain Node gives APIConnectionTimeoutError), so this reads the SDK's own error class directly.
  it("maps the SDK's timeout error to timeout", () => {
    const error = mapProviderError(
      new OpenAI.APIConnectionTimeoutError(),
      'groq',
      new AbortController().signal,
      openAIErrors,
    );

    expect(error).toMatchObject({ kind: 'timeout', provider: 'groq' });
  });

  it('gives up on a server that does not answer within the timeout', async () => {
    // The server never answers: without the timeout this would hang until the test's own limit.
    const { error } = await streamFrom({ hang: true }, 150);

    expect(error).toBeInstanceOf(ProviderError);
  });

  it('maps a refused connection to unavailable', async () => {
    server = await startScriptedHttpServer({});
    const baseURL = `${server.origin}/v1`;
    await server.close();
    const target = new OpenAIProvider({ id: 'ollama', apiKey: undefined, baseURL, timeoutMs: 5_000 });

    const { error } = await runStream(
      target.stream({ model: 'm', messages, params: {}, signal: new AbortController().signal }),
    );

    expect(error).toMatchObject({ kind: 'unavailable', provider: 'ollama' });
  });
});
