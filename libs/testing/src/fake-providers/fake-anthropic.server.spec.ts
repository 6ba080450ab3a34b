import Anthropic, {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { startFakeAnthropic, type FakeAnthropicServer } from './fake-anthropic.server';
import { waitFor } from '../wait-for';

const API_KEY = 'sk-ant-fake-test-key';
const request = (content: string, extra: { max_tokens?: number; model?: string } = {}) => ({
  model: extra.model ?? 'claude-haiku-4-5',
  max_tokens: extra.max_tokens ?? 256,
  messages: [{ role: 'user' as const, content }],
});

async function collect(stream: AsyncIterable<RawMessageStreamEvent>, into: RawMessageStreamEvent[] = []) {
  for await (const event of stream) into.push(event);
  return into;
}

const textOf = (events: readonly RawMessageStreamEvent[]) =>
  events
    .map((event) =>
      event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : '',
    )
    .join('');

describe('fake Anthropic server driven by the @anthropic-ai/sdk', () => {
  let fake: FakeAnthropicServer;
  let client: Anthropic;

  beforeEach(async () => {
    fake = await startFakeAnthropic({ apiKey: API_KEY });
    // logLevel 'off' keeps the SDK from printing the malformed event it rejects.
    client = new Anthropic({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0, logLevel: 'off' });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('listens on 127.0.0.1 with the origin as base URL (the SDK adds /v1)', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    expect(fake.origin).toBe(fake.url);
  });

  it('streams the real event sequence with text deltas and usage', async () => {
    fake.enqueue({ kind: 'answer', tokens: ['Hel', 'lo', ' there'] });
    const events = await collect(
      await client.messages.create({ ...request('greet me please'), system: 'be kind', stream: true }),
    );

    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(textOf(events)).toBe('Hello there');

    const start = events[0];
    if (start?.type !== 'message_start') throw new Error('expected message_start first');
    expect(start.message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 5, output_tokens: 1 },
    });
    expect(start.message.id).toMatch(/^msg_/);
    expect(events[1]).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    expect(events[2]).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'Hel' },
    });
    expect(events[6]).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 5, output_tokens: 3 },
    });
  });

  it('sends ping events that the SDK skips', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': API_KEY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ...request('hi'), stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const names = [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(text).toContain('event: ping\ndata: {"type": "ping"}\n\n');
  });

  it('accumulates through MessageStream into the final message', async () => {
    const stream = client.messages.stream(request('one two three four'));
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([
      { type: 'text', text: 'This is a scripted reply from the fake Anthropic server.' },
    ]);
    expect(deltas).toHaveLength(10);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 4, output_tokens: 10 });
  });

  it('answers non-streaming requests with a message, and stops at max_tokens', async () => {
    fake.setBehavior({ kind: 'answer', tokens: 'Paris is the capital of France.' });
    const message = await client.messages.create(request('What is the capital of France?'));
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [{ type: 'text', text: 'Paris is the capital of France.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 6, output_tokens: 6 },
    });

    const cut = await client.messages.create(request('again', { max_tokens: 2 }));
    expect(cut.content).toEqual([{ type: 'text', text: 'Paris is' }]);
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(2);
  });

  it('records requests and serves queued behaviors first', async () => {
    fake.setBehavior((body) =>
      body.model === 'claude-special' ? { kind: 'answer', tokens: 'special' } : undefined,
    );
    fake.enqueue({ kind: 'answer', tokens: 'queued' });
    const first = await client.messages.create(request('a', { model: 'claude-special' }));
    const second = await client.messages.create(request('b', { model: 'claude-special' }));
    const third = await client.messages.create(request('c'));
    expect([first, second, third].map((message) => message.content[0])).toEqual([
      { type: 'text', text: 'queued' },
      { type: 'text', text: 'special' },
      { type: 'text', text: 'This is a scripted reply from the fake Anthropic server.' },
    ]);
    expect(fake.requests.map((entry) => entry.body?.messages[0]?.content)).toEqual(['a', 'b', 'c']);
    expect(fake.requests[0]?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('lists models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['claude-sonnet-4-5', 'claude-haiku-4-5']);
  });

  it('checks the API key (x-api-key or Bearer) and the anthropic-version header', async () => {
    const wrong = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-wrong', maxRetries: 0 });
    const error = await wrong.messages.create(request('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).type).toBe('authentication_error');

    const post = (headers: Record<string, string>) =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(request('hi')),
      });

    const withXApiKey = await post({ 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' });
    expect(withXApiKey.status).toBe(200);

    const noKey = await post({ 'anthropic-version': '2023-06-01' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: 'x-api-key header is required' },
    });

    const noVersion = await post({ 'x-api-key': API_KEY });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
  });

  it('validates required fields', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': API_KEY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
    expect(body.request_id).toBe(response.headers.get('request-id'));
  });

  it('surfaces a 429 as RateLimitError with a readable retry-after header', async () => {
    fake.enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 12 });
    const error = await client.messages.create({ ...request('hi'), stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('12');
    expect(rateLimit.type).toBe('rate_limit_error');
    expect(rateLimit.requestID).toMatch(/^req_/);
  });

  it('surfaces 500 as InternalServerError and 529 as OverloadedError', async () => {
    fake.enqueue(
      { kind: 'http-error', status: 500 },
      { kind: 'http-error', status: 529, retryAfterSeconds: 3 },
    );
    const serverError = await client.messages.create(request('hi')).catch((e: unknown) => e);
    expect(serverError).toBeInstanceOf(InternalServerError);
    expect((serverError as InternalServerError).type).toBe('api_error');

    const overloaded = await client.messages.create(request('hi')).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(OverloadedError);
    expect((overloaded as OverloadedError).status).toBe(529);
    expect((overloaded as OverloadedError).type).toBe('overloaded_error');
    expect((overloaded as OverloadedError).headers.get('retry-after')).toBe('3');
  });

  it('surfaces a prompt-too-long 400 as BadRequestError', async () => {
    fake.enqueue({ kind: 'http-error', status: 400 });
    const error = await client.messages.create(request('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/prompt is too long/);
  });

  it('makes the SDK stream throw on a malformed event, after the tokens before it', async () => {
    fake.enqueue({ kind: 'malformed-chunk', afterTokens: 2 });
    const events: RawMessageStreamEvent[] = [];
    const stream = await client.messages.create({ ...request('hi'), stream: true });
    await expect(collect(stream, events)).rejects.toThrow(SyntaxError);
    expect(textOf(events)).toBe('This is');
  });

  it('sends an in-stream error event that the SDK throws as an APIError', async () => {
    fake.enqueue({ kind: 'stream-error', afterTokens: 1 });
    const events: RawMessageStreamEvent[] = [];
    const stream = await client.messages.create({ ...request('hi'), stream: true });
    const error = await collect(stream, events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('overloaded_error');
    expect(textOf(events)).toBe('This');

    fake.enqueue({ kind: 'stream-error' });
    const nonStream = await client.messages.create(request('hi')).catch((e: unknown) => e);
    expect(nonStream).toBeInstanceOf(OverloadedError);
  });

  it('drops the connection mid-stream', async () => {
    fake.enqueue({ kind: 'drop', afterTokens: 2, tokenIntervalMs: 5 });
    const events: RawMessageStreamEvent[] = [];
    const stream = await client.messages.create({ ...request('hi'), stream: true });
    await expect(collect(stream, events)).rejects.toThrow();
    expect(textOf(events)).toBe('This is');

    fake.enqueue({ kind: 'drop' });
    const nonStream = await client.messages.create(request('hi')).catch((e: unknown) => e);
    expect(nonStream).toBeInstanceOf(APIConnectionError);
  });

  it('stalls a stream until the client aborts, leaving nothing behind', async () => {
    fake.enqueue({ kind: 'stall', afterTokens: 3 });
    const controller = new AbortController();
    const events: RawMessageStreamEvent[] = [];
    const stream = await client.messages.create(
      { ...request('hi'), stream: true },
      { signal: controller.signal },
    );
    // Abort once the tokens before the stall are in, not after a fixed time: on a busy machine a timer
    // can fire before they arrive.
    const consumed = collect(stream, events).catch(() => undefined);
    await waitFor(() => textOf(events) === 'This is a', 'the tokens before the stall');
    controller.abort();
    await consumed;
    expect(textOf(events)).toBe('This is a');
    await waitFor(() => fake.diagnostics().activeResponses === 0, 'the response to close');
    expect(fake.diagnostics().pendingTimers).toBe(0);
  });

  it('close() returns promptly with a stalled MessageStream open', async () => {
    fake.enqueue({ kind: 'stall', afterTokens: 1, tokenIntervalMs: 10 });
    const stream = client.messages.stream(request('hi'));
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const outcome = stream.finalMessage().then(
      () => 'ended',
      () => 'failed',
    );
    await waitFor(() => deltas.length === 1, 'the first token');

    // A close() that waited for the stalled stream would never return (the test's timeout catches it).
    await fake.close();
    expect(await outcome).toBe('failed');
    expect(fake.diagnostics()).toEqual({
      openSockets: 0,
      activeResponses: 0,
      pendingTimers: 0,
      queuedBehaviors: 0,
    });
  });
});
