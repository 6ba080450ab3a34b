import { ErrorCode } from '@conduit/contracts';
import { FAKE_OPENAI_PNG_BASE64, startFakeStability, type FakeStabilityServer } from '@conduit/testing';
import { itHandlesTransportFaults, runImages } from './testing/image-generator-cases';
import { providerFailureOf } from './testing/provider-failure-of';
import type { ImageRequest } from './image-generator.port';
import { StabilityImageGenerator } from './stability-image.generator';

const KEY = 'sk-fake-stability-key';

describe('StabilityImageGenerator against a fake Stable Image API', () => {
  let server: FakeStabilityServer;
  const generatorWith = (overrides: { apiKey?: string; timeoutMs?: number } = {}) =>
    new StabilityImageGenerator({
      apiKey: overrides.apiKey ?? KEY,
      baseURL: server.url,
      timeoutMs: overrides.timeoutMs ?? 10_000,
    });
  const request: ImageRequest = {
    model: 'stable-image-core',
    prompt: 'a lighthouse',
    size: '1792x1024',
    n: 1,
  };
  const run = runImages(request, generatorWith);

  beforeAll(async () => {
    server = await startFakeStability({ apiKey: KEY });
  });
  afterAll(() => server.close());

  it('asks for one image per call, as a multipart form with the aspect ratio, and keeps the PNG', async () => {
    const before = server.requests.length;
    const percents: number[] = [];
    const images = await run(undefined, { n: 2 }, percents);
    expect(images).toHaveLength(2);
    expect(Buffer.from(images[0]!.data).toString('base64')).toBe(FAKE_OPENAI_PNG_BASE64);
    expect(images[0]).toMatchObject({
      contentType: 'image/png',
      metadata: { model: 'stability/stable-image-core', aspectRatio: '16:9', seed: 1234 },
    });
    expect(percents).toEqual([50, 100]);
    expect(server.requests.slice(before)).toEqual([
      {
        route: 'core',
        accept: 'application/json',
        fields: { prompt: 'a lighthouse', aspect_ratio: '16:9', output_format: 'png' },
      },
      expect.objectContaining({ route: 'core' }),
    ]);
  });

  it('sends Stable Diffusion 3.5 to its shared route with the model in the form', async () => {
    await run(undefined, { model: 'sd3.5-large', size: '1024x1024' });
    expect(server.requests.at(-1)).toMatchObject({
      route: 'sd3',
      fields: { model: 'sd3.5-large', aspect_ratio: '1:1' },
    });
  });

  it('passes a 429 on with the wait Retry-After names, and a 5xx as retryable', async () => {
    server.enqueue(
      {
        kind: 'status',
        status: 429,
        body: { id: 'x', name: 'rate_limit_exceeded', errors: ['You have exceeded the rate limit'] },
        headers: { 'retry-after': '7' },
      },
      { kind: 'status', status: 500, body: { id: 'y', name: 'internal_error', errors: ['boom'] } },
    );
    const limited = await providerFailureOf(run());
    expect(limited).toMatchObject({
      code: ErrorCode.ProviderRateLimited,
      retryable: true,
      retryAfterMs: 7_000,
    });
    expect(limited.message).toContain('rate_limit_exceeded');
    const down = await providerFailureOf(run());
    expect(down).toMatchObject({ code: ErrorCode.ProviderUnavailable, retryable: true, retryAfterMs: null });
  });

  it('fails for good on a wrong key, on moderation and on a filtered image', async () => {
    expect(await providerFailureOf(run(generatorWith({ apiKey: 'wrong' })))).toMatchObject({
      code: ErrorCode.ProviderAuthFailed,
      retryable: false,
    });
    server.enqueue({
      kind: 'status',
      status: 403,
      body: { id: 'z', name: 'content_moderation', errors: ['Your request was flagged'] },
    });
    expect(await providerFailureOf(run())).toMatchObject({
      code: ErrorCode.ProviderContentRejected,
      retryable: false,
    });
    server.filterNext();
    expect(await providerFailureOf(run())).toMatchObject({
      code: ErrorCode.ProviderContentRejected,
      retryable: false,
    });
  });

  itHandlesTransportFaults(request, generatorWith, (...faults) => server.enqueue(...faults));
});
