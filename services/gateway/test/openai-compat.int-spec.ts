import OpenAI from 'openai';
import { registerUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

describe('OpenAI-compatible API, driven by the official openai SDK', () => {
  let platform: TestPlatform;
  let client: OpenAI;

  beforeAll(async () => {
    platform = await startPlatform();
    const user = await registerUser(platform.gateway.baseUrl);
    const created = await api(platform.gateway.baseUrl, user.accessToken)('/api/v1/api-keys', {
      body: { name: 'sdk' },
    });
    const { key } = await json(created);
    client = new OpenAI({ baseURL: `${platform.gateway.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
  });
  afterAll(() => platform?.close());

  it('streams chunks in OpenAI format with the usage chunk when asked', async () => {
    platform.openai.enqueue({
      kind: 'answer',
      tokens: ['Hello', ',', ' world'],
      usage: { inputTokens: 9, outputTokens: 3 },
    });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be nice.' },
        { role: 'user', content: 'Say hello' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello, world');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const upstream = platform.openai.requests.at(-1)?.body as { messages: { role: string }[] };
    expect(upstream.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('answers non-streaming completions', async () => {
    const completion = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('The quick brown fox jumps over the lazy dog.');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('lists models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain('openai/gpt-4o-mini');
  });

  it('maps errors to the SDK error classes', async () => {
    await expect(
      client.chat.completions.create({ model: 'openai/gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const anonymous = new OpenAI({ baseURL: client.baseURL, apiKey: 'ck_wrong', maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    // Longer than chat waits for a retry, and the model has no fallback: the 429 reaches the client.
    platform.openai.enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 30 });
    const limited = client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(limited).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });
});
