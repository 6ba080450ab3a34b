import { ErrorCode } from '@conduit/contracts';
import { fakeOpenAIEmbedding, startFakeOpenAI, type FakeOpenAIServer } from '@conduit/testing';
import { OpenAiEmbedder, type OpenAiEmbedderOptions } from './openai.embedder';

const API_KEY = 'sk-fake-embedding-key';

describe('OpenAiEmbedder against a server speaking the OpenAI embeddings API', () => {
  let fake: FakeOpenAIServer;
  const embedder = (options: Partial<OpenAiEmbedderOptions> = {}) =>
    new OpenAiEmbedder({
      model: 'text-embedding-3-small',
      dimensions: 64,
      sendDimensions: true,
      apiKey: API_KEY,
      baseURL: fake.url,
      maxRetries: 0,
      ...options,
    });
  const embeddingRequests = () =>
    fake.requests
      .filter((request) => request.path === '/v1/embeddings')
      .map(
        (request) => JSON.parse(request.rawBody) as { input: string[]; dimensions?: number; model: string },
      );

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('names its space and metered model after the model and size', () => {
    const subject = embedder();
    expect(subject.space).toEqual({
      id: 'openai/text-embedding-3-small@64',
      dimensions: 64,
      kind: 'semantic',
    });
    expect(subject.meteredModel).toBe('openai/text-embedding-3-small');
  });

  it('returns the provider vectors in input order with the tokens it counted', async () => {
    const texts = ['alpha beta', 'gamma', 'delta epsilon zeta'];
    const batch = await embedder().embed(texts, 'document');
    expect(batch.inputTokens).toBe(6);
    expect(batch.vectors).toHaveLength(3);
    texts.forEach((text, i) => {
      const expected = fakeOpenAIEmbedding(text, 64);
      expect(Array.from(batch.vectors[i] ?? [])).toEqual(Array.from(expected));
    });
    const [request] = embeddingRequests();
    expect(request).toMatchObject({
      model: 'text-embedding-3-small',
      dimensions: 64,
      encoding_format: 'base64',
    });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('sends no dimensions for a model that cannot shorten its vectors', async () => {
    await embedder({ model: 'text-embedding-ada-002', dimensions: 1536, sendDimensions: false }).embed(
      ['x'],
      'query',
    );
    expect(embeddingRequests()[0]?.dimensions).toBeUndefined();
  });

  it('batches by count and by estimated size, and adds up the usage of every batch', async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `text number ${i}`);
    const batch = await embedder({ batch: { maxInputs: 3 } }).embed(texts, 'document');
    expect(embeddingRequests().map((request) => request.input.length)).toEqual([3, 3, 1]);
    expect(batch.vectors).toHaveLength(7);
    expect(batch.inputTokens).toBe(21);

    fake.reset();
    const long = 'word '.repeat(400);
    await embedder({ batch: { maxApproximateTokens: 1_000 } }).embed([long, long, long, 'short'], 'document');
    expect(embeddingRequests().map((request) => request.input.length)).toEqual([1, 1, 2]);
  });

  it('retries a 429 after the Retry-After the server sent, as the SDK does', async () => {
    fake.endpoint('/v1/embeddings').enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 0 });
    const batch = await embedder({ maxRetries: 1 }).embed(['hello'], 'query');
    expect(batch.vectors).toHaveLength(1);
    expect(fake.requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it.each([
    [429, ErrorCode.ProviderRateLimited],
    [401, ErrorCode.ProviderAuthFailed],
    [404, ErrorCode.UnknownModel],
    [500, ErrorCode.ProviderUnavailable],
  ])('turns a %i the SDK gave up on into %s', async (status, code) => {
    fake.endpoint('/v1/embeddings').setBehavior({ kind: 'http-error', status, retryAfterSeconds: 0 });
    await expect(embedder().embed(['hello'], 'query')).rejects.toMatchObject({
      code,
      details: { provider: 'openai', status },
    });
  });

  it('reports the provider refusing an input as too long', async () => {
    await expect(embedder().embed(['word '.repeat(9_000)], 'document')).rejects.toMatchObject({
      code: ErrorCode.ContextLengthExceeded,
    });
  });

  it('rejects an answer whose vectors have another size than the space', async () => {
    await expect(
      embedder({ dimensions: 32, sendDimensions: false }).embed(['x'], 'query'),
    ).rejects.toMatchObject({
      code: ErrorCode.ProviderBadResponse,
    });
  });

  it('reports an unreachable server and a cut connection as the provider being unavailable', async () => {
    fake.endpoint('/v1/embeddings').setBehavior({ kind: 'drop' });
    await expect(embedder().embed(['x'], 'query')).rejects.toMatchObject({
      code: ErrorCode.ProviderUnavailable,
    });
    const url = fake.url;
    await fake.close();
    await expect(embedder({ baseURL: url }).embed(['x'], 'query')).rejects.toMatchObject({
      code: ErrorCode.ProviderUnavailable,
    });
  });

  it('embeds nothing without a request', async () => {
    await expect(embedder().embed([], 'document')).resolves.toEqual({ vectors: [], inputTokens: 0 });
    expect(fake.requests).toHaveLength(0);
  });
});
