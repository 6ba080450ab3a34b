import OpenAI, { BadRequestError, RateLimitError } from 'openai';
import { fakeOpenAIEmbedding, OPENAI_EMBEDDING_LIMITS } from './fake-openai-embeddings';
import { startFakeOpenAI, type FakeOpenAIServer } from './fake-openai.server';

const API_KEY = 'sk-fake-test-key';

describe('fake OpenAI embeddings endpoint driven by the openai SDK', () => {
  let fake: FakeOpenAIServer;
  let client: OpenAI;

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: API_KEY });
    client = new OpenAI({ baseURL: fake.url, apiKey: API_KEY, maxRetries: 0, logLevel: 'off' });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('answers float vectors of the model size, in input order, with usage', async () => {
    const answer = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one two', 'three'],
      encoding_format: 'float',
    });
    expect(answer.object).toBe('list');
    expect(answer.model).toBe('text-embedding-3-small');
    expect(answer.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(answer.data.map((item) => [item.object, item.index, item.embedding.length])).toEqual([
      ['embedding', 0, 1536],
      ['embedding', 1, 1536],
    ]);
    expect(answer.data[1]?.embedding[0]).toBeCloseTo(fakeOpenAIEmbedding('three', 1536)[0] ?? NaN, 6);
  });

  it('serves the base64 encoding the SDK asks for by default, and honours dimensions', async () => {
    const answer = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'hello',
      dimensions: 8,
    });
    expect(Array.from(answer.data[0]?.embedding ?? [])).toEqual(Array.from(fakeOpenAIEmbedding('hello', 8)));
    expect(JSON.parse(fake.requests[0]?.rawBody ?? '{}')).toMatchObject({ encoding_format: 'base64' });
  });

  it('gives texts that share words close vectors', () => {
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
    const query = fakeOpenAIEmbedding('heat transfer', 256);
    expect(dot(query, fakeOpenAIEmbedding('Heat transfer in pipes', 256))).toBeGreaterThan(
      dot(query, fakeOpenAIEmbedding('annual budget report', 256)) + 0.3,
    );
  });

  it.each([
    [{ model: 'text-embedding-3-small', input: '' }, "'$.input' is invalid"],
    [{ model: 'text-embedding-3-small', input: [] }, "'$.input' is invalid"],
    [{ model: 'text-embedding-3-small', input: ['ok', 3] }, "'$.input' is invalid"],
    [
      { model: 'text-embedding-ada-002', input: 'x', dimensions: 8 },
      'does not support specifying dimensions',
    ],
    [{ model: 'text-embedding-3-small', input: 'x', dimensions: 5000 }, "Invalid value for 'dimensions'"],
    [
      { model: 'text-embedding-3-small', input: 'word '.repeat(8_193) },
      'maximum context length is 8192 tokens',
    ],
    [
      {
        model: 'text-embedding-3-small',
        input: Array.from({ length: OPENAI_EMBEDDING_LIMITS.maxInputs + 1 }, () => 'x'),
      },
      'at most 2048 inputs',
    ],
  ])('answers the invalid request %j with a 400 invalid_request_error', async (body, message) => {
    const attempt = client.embeddings.create(body as OpenAI.EmbeddingCreateParams);
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    await expect(attempt).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    await expect(attempt).rejects.toThrow(message);
  });

  it('answers a scripted 429 with its Retry-After, then serves normally', async () => {
    fake.endpoint('/v1/embeddings').enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 7 });
    const failed = client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
    await expect(failed).rejects.toBeInstanceOf(RateLimitError);
    await expect(failed).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    const error = (await failed.catch((caught: unknown) => caught)) as RateLimitError;
    expect(error.headers.get('retry-after')).toBe('7');
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).resolves.toMatchObject({
      object: 'list',
    });
  });

  it('overrides the counted usage, and keeps embedding scripts apart from chat scripts', async () => {
    fake.enqueue({ kind: 'http-error', status: 500 });
    fake.endpoint('/v1/embeddings').setBehavior({ kind: 'answer', usage: { inputTokens: 99 } });
    const answer = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
    expect(answer.usage.prompt_tokens).toBe(99);
    expect(fake.diagnostics().queuedBehaviors).toBe(1);
    fake.reset();
    const plain = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x y' });
    expect(plain.usage.prompt_tokens).toBe(2);
  });

  it('requires the API key', async () => {
    const stranger = new OpenAI({
      baseURL: fake.url,
      apiKey: 'sk-wrong-key-000',
      maxRetries: 0,
      logLevel: 'off',
    });
    await expect(
      stranger.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('refuses to script an endpoint it does not serve', () => {
    expect(() => fake.endpoint('/v1/audio/speech')).toThrow(/no endpoint/);
  });
});
