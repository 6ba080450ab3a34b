import type { CompletionMessage, GenerationParams } from '@conduit/contracts';
import { startFakeAnthropic, type FakeAnthropicServer } from '@conduit/testing';
import { AnthropicProvider, type AnthropicProviderOptions } from './anthropic.provider';
import { ProviderError } from '@conduit/provider-errors';
import { runStream, textOf } from './testing/collect-chunks';
import { sseBody, startScriptedHttpServer, type ScriptedHttpServer } from './testing/scripted-http.server';

const API_KEY = 'sk-ant-test-0123456789';
const messages: CompletionMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'say hello' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'system', content: 'Answer in English.' },
  { role: 'user', content: 'again please' },
];

describe('AnthropicProvider against the fake Anthropic server', () => {
  let fake: FakeAnthropicServer;

  beforeEach(async () => {
    fake = await startFakeAnthropic({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  function provider(options: Partial<AnthropicProviderOptions> = {}): AnthropicProvider {
    return new AnthropicProvider({ apiKey: API_KEY, baseURL: fake.url, timeoutMs: 5_000, ...options });
  }

  function stream(
    target: AnthropicProvider,
    params: GenerationParams = {},
    signal = new AbortController().signal,
    onChunk?: Parameters<typeof runStream>[1],
  ) {
    return runStream(target.stream({ model: 'claude-haiku-4-5', messages, params, signal }), onChunk);
  }

  it('streams the text, then usage (input from message_start, output from message_delta), then the finish', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['Hi', ' again', '.'] });

    const { chunks, error } = await stream(provider());

    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      { type: 'text', text: 'Hi' },
      { type: 'text', text: ' again' },
      { type: 'text', text: '.' },
      // The fake counts words: 2 + 3 system, 2 + 1 + 2 in the messages. It says output 1 in message_start.
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 3, cachedTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('sends system messages as the system param, the rest as messages, and a default max_tokens', async () => {
    await stream(provider());

    const request = fake.requests[0];
    expect(request?.status).toBe(200); // the fake checks the key
    expect(request?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: 'Be brief.\n\nAnswer in English.',
      messages: [
        { role: 'user', content: 'say hello' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'again please' },
      ],
      max_tokens: 4096,
      stream: true,
    });
    for (const key of ['temperature', 'top_p', 'stop_sequences'])
      expect(request?.body).not.toHaveProperty(key);
  });

  it('maps the generation params, capping temperature at Anthropic’s maximum of 1', async () => {
    await stream(provider({ defaultMaxTokens: 1000 }), {
      maxTokens: 300,
      temperature: 1.6,
      topP: 0.8,
      stop: ['END'],
    });
    await stream(provider({ defaultMaxTokens: 1000 }));

    expect(fake.requests[0]?.body).toMatchObject({
      max_tokens: 300,
      temperature: 1,
      top_p: 0.8,
      stop_sequences: ['END'],
    });
    expect(fake.requests[1]?.body).toMatchObject({ max_tokens: 1000 });
  });

  it('maps stop_reason max_tokens to a length finish', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['one', ' two', ' three'] });

    const { chunks } = await stream(provider(), { maxTokens: 2 });

    expect(textOf(chunks)).toBe('one two');
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it.each([
    [529, 'unavailable'],
    [500, 'unavailable'],
    [504, 'timeout'],
    [401, 'auth'],
    [403, 'auth'],
    [402, 'auth'],
    [404, 'bad_request'],
    [413, 'context_length'],
  ] as const)('maps HTTP %i to %s', async (status, kind) => {
    fake.enqueue({ kind: 'http-error', status });

    const { error } = await stream(provider());

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, provider: 'anthropic', status });
  });

  it('maps a rejected key to auth without echoing it', async () => {
    const { error } = await stream(provider({ apiKey: 'sk-ant-wrong-987654' }));

    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect((error as Error).message).not.toContain('987654');
  });

  it('maps a 429 to rate_limited with the retry-after delay', async () => {
    fake.enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 12 });

    const { error } = await stream(provider());

    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 12_000 });
  });

  it('maps "prompt is too long" to context_length and other 400s to bad_request', async () => {
    fake.enqueue(
      { kind: 'http-error', status: 400 },
      { kind: 'http-error', status: 400, message: 'messages: roles must alternate' },
    );

    const tooLong = (await stream(provider())).error;
    expect(tooLong).toMatchObject({ kind: 'context_length', status: 400 });
    expect((tooLong as Error).message).toContain('prompt is too long');
    expect((await stream(provider())).error).toMatchObject({ kind: 'bad_request', status: 400 });
  });

  it('maps an overloaded_error event inside the stream to unavailable, after the text before it', async () => {
    fake.enqueue({ kind: 'stream-error', afterTokens: 1, tokens: ['a', ' b'] });

    const { chunks, error } = await stream(provider());

    expect(chunks).toEqual([{ type: 'text', text: 'a' }]);
    expect(error).toMatchObject({ kind: 'unavailable', status: null });
  });

  it('maps a rate_limit_error event inside the stream to rate_limited', async () => {
    fake.enqueue({ kind: 'stream-error', afterTokens: 0, errorType: 'rate_limit_error' });

    expect((await stream(provider())).error).toMatchObject({ kind: 'rate_limited' });
  });

  it('maps a malformed event to bad_response and a dropped connection to unavailable', async () => {
    fake.enqueue({ kind: 'malformed-chunk', afterTokens: 1 }, { kind: 'drop', afterTokens: 1 });

    expect((await stream(provider())).error).toMatchObject({ kind: 'bad_response' });
    expect((await stream(provider())).error).toMatchObject({ kind: 'unavailable' });
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
});

describe('AnthropicProvider against scripted servers', () => {
  let server: ScriptedHttpServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function streamFrom(response: Parameters<typeof startScriptedHttpServer>[0], timeoutMs = 5_000) {
    server = await startScriptedHttpServer(response);
    const target = new AnthropicProvider({ apiKey: API_KEY, baseURL: server.origin, timeoutMs });
    return runStream(
      target.stream({ model: 'm', messages, params: {}, signal: new AbortController().signal }),
    );
  }

  const messageStart = (usage: object) => ({
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'm',
        content: [],
        stop_reason: null,
        usage,
      },
    },
  });
  const textDelta = (text: string) => ({
    event: 'content_block_delta',
    data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
  });
  const messageDelta = (stopReason: string, outputTokens: number) => ({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    },
  });
  const messageStop = { event: 'message_stop', data: { type: 'message_stop' } };

  it('counts cache reads and writes as input, cache reads as cached', async () => {
    const { chunks } = await streamFrom({
      body: sseBody([
        messageStart({
          input_tokens: 20,
          cache_read_input_tokens: 3000,
          cache_creation_input_tokens: 500,
          output_tokens: 1,
        }),
        textDelta('ok'),
        messageDelta('end_turn', 2),
        messageStop,
      ]),
    });

    expect(chunks).toEqual([
      { type: 'text', text: 'ok' },
      { type: 'usage', usage: { inputTokens: 3520, outputTokens: 2, cachedTokens: 3000 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it.each([
    ['refusal', 'content_filter'],
    ['stop_sequence', 'stop'],
    ['model_context_window_exceeded', 'length'],
  ])('maps stop_reason %s to %s', async (stopReason, finish) => {
    const { chunks } = await streamFrom({
      body: sseBody([
        messageStart({ input_tokens: 5, output_tokens: 1 }),
        messageDelta(stopReason, 1),
        messageStop,
      ]),
    });

    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: finish });
  });

  it('maps a server that does not answer within the timeout to timeout', async () => {
    const { error } = await streamFrom({ hang: true }, 150);

    expect(error).toMatchObject({ kind: 'timeout', provider: 'anthropic' });
  });
});
