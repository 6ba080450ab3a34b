import { ErrorCode } from '@conduit/contracts';
import {
  FAKE_OPENAI_PNG_BASE64,
  geminiRateLimited,
  googleError,
  startFakeGeminiImages,
  type FakeGeminiImagesServer,
} from '@conduit/testing';
import { itHandlesTransportFaults, runImages } from './testing/image-generator-cases';
import { providerFailureOf } from './testing/provider-failure-of';
import { GeminiImageGenerator } from './gemini-image.generator';
import type { ImageRequest } from './image-generator.port';

const KEY = 'fake-gemini-key';

describe('GeminiImageGenerator through @google/genai against a fake Gemini API', () => {
  let server: FakeGeminiImagesServer;
  const generatorWith = (overrides: { apiKey?: string; timeoutMs?: number } = {}) =>
    new GeminiImageGenerator({
      apiKey: overrides.apiKey ?? KEY,
      baseURL: server.url,
      timeoutMs: overrides.timeoutMs ?? 10_000,
    });
  const request: ImageRequest = {
    model: 'gemini-2.5-flash-image',
    prompt: 'a red kite',
    size: '1024x1536',
    n: 1,
  };
  const run = runImages(request, generatorWith);

  beforeAll(async () => {
    server = await startFakeGeminiImages({ apiKey: KEY });
  });
  afterAll(() => server.close());

  it('asks generateContent for the image modality at the aspect ratio and keeps the inline image', async () => {
    const before = server.requests.length;
    const percents: number[] = [];
    const images = await run(undefined, { n: 2 }, percents);
    expect(images).toHaveLength(2);
    expect(Buffer.from(images[1]!.data).toString('base64')).toBe(FAKE_OPENAI_PNG_BASE64);
    expect(images[0]).toMatchObject({
      contentType: 'image/png',
      metadata: { model: 'google/gemini-2.5-flash-image', aspectRatio: '2:3' },
    });
    expect(percents).toEqual([50, 100]);
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      model: 'gemini-2.5-flash-image',
      body: {
        contents: [{ role: 'user', parts: [{ text: 'a red kite' }] }],
        generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '2:3' } },
      },
    });
  });

  it("passes a 429 on with RetryInfo's delay, and a 503 as retryable", async () => {
    server.enqueue(geminiRateLimited('2.5s'), {
      kind: 'status',
      status: 503,
      body: googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    });
    expect(await providerFailureOf(run())).toMatchObject({
      code: ErrorCode.ProviderRateLimited,
      retryable: true,
      retryAfterMs: 2_500,
    });
    const overloaded = await providerFailureOf(run());
    expect(overloaded).toMatchObject({ code: ErrorCode.ProviderUnavailable, retryable: true });
    expect(overloaded.message).toContain('The model is overloaded');
  });

  it('fails for good on a wrong key, an unknown model and a refused picture', async () => {
    expect(await providerFailureOf(run(generatorWith({ apiKey: 'wrong' })))).toMatchObject({
      code: ErrorCode.ProviderAuthFailed,
      retryable: false,
    });
    expect(await providerFailureOf(run(undefined, { model: 'gemini-0-nothing' }))).toMatchObject({
      code: ErrorCode.ProviderBadResponse,
      retryable: false,
    });
    server.refuseNext('IMAGE_SAFETY');
    const refused = await providerFailureOf(run());
    expect(refused).toMatchObject({ code: ErrorCode.ProviderContentRejected, retryable: false });
    expect(refused.message).toContain('IMAGE_SAFETY');
  });

  itHandlesTransportFaults(request, generatorWith, (...faults) => server.enqueue(...faults));
});
