import { ErrorCode } from '@conduit/contracts';
import { fakeOpenAIVideoContent, startFakeOpenAIVideos, type FakeOpenAIVideosServer } from '@conduit/testing';
import { OpenAIVideoGenerator } from './openai-video.generator';
import { providerFailureOf } from './testing/provider-failure-of';
import type { VideoRequest } from './video-generator.port';

const KEY = 'sk-fake-video-key';

describe('OpenAIVideoGenerator against a fake videos API', () => {
  let server: FakeOpenAIVideosServer;
  const generatorWith = (overrides: { apiKey?: string; timeoutMs?: number } = {}) =>
    new OpenAIVideoGenerator({
      apiKey: overrides.apiKey ?? KEY,
      baseURL: server.url,
      requestTimeoutMs: 10_000,
      pollIntervalMs: 5,
      timeoutMs: overrides.timeoutMs ?? 60_000,
    });
  const request: VideoRequest = { model: 'sora-2', prompt: 'a paper boat', size: '1280x720', seconds: 4 };
  const run = (
    generator = generatorWith(),
    over: Partial<VideoRequest> = {},
    percents: number[] = [],
    signal = new AbortController().signal,
  ) => generator.generate({ ...request, ...over }, { signal, onProgress: (p) => percents.push(p) });
  const failureOf = providerFailureOf;

  beforeAll(async () => {
    server = await startFakeOpenAIVideos({ apiKey: KEY });
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  it('creates, follows the progress and downloads the MP4', async () => {
    server.enqueue({ kind: 'complete', polls: 4 });
    const percents: number[] = [];
    const video = await run(undefined, {}, percents);
    const id = video.metadata.providerVideoId as string;
    expect(Buffer.from(video.data).equals(fakeOpenAIVideoContent(id))).toBe(true);
    expect(video).toMatchObject({
      contentType: 'video/mp4',
      metadata: { model: 'openai/sora-2', size: '1280x720', seconds: 4, fromImage: false },
    });
    expect(percents).toEqual([25, 50, 75]);
    expect(server.created).toEqual([
      { model: 'sora-2', prompt: 'a paper boat', size: '1280x720', seconds: '4' },
    ]);
    const paths = server.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths[0]).toBe('POST /v1/videos');
    expect(paths.at(-1)).toBe(`GET /v1/videos/${id}/content`);
  });

  it('sends the input image as input_reference for image-to-video', async () => {
    const image = { data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), contentType: 'image/png' };
    const video = await run(undefined, { image });
    expect(video.metadata).toMatchObject({ fromImage: true });
    expect(server.created[0]).toMatchObject({ input_reference: { type: 'image/png', bytes: 4 } });
  });

  it('reads the status again after a 429 on a status read, without creating the video again', async () => {
    server.enqueue({ kind: 'complete', polls: 2 });
    server.failStatusReads(2, 429, 0);
    await run();
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('tells refusals, failures, rate limits, outages and bad keys apart', async () => {
    server.enqueue({ kind: 'fail', code: 'moderation_blocked', message: 'Blocked by moderation.' });
    const refused = await failureOf(run());
    expect(refused).toMatchObject({ code: ErrorCode.ProviderContentRejected, retryable: false });
    expect(refused.message).toContain('Blocked by moderation.');

    server.enqueue({
      kind: 'http-error',
      status: 400,
      type: 'invalid_request_error',
      code: 'moderation_blocked',
      message: 'Your request was blocked by our moderation system.',
    });
    expect(await failureOf(run())).toMatchObject({
      code: ErrorCode.ProviderContentRejected,
      retryable: false,
    });

    server.enqueue({
      kind: 'fail',
      code: 'internal_error',
      message: 'Video generation failed.',
      afterPolls: 2,
    });
    expect(await failureOf(run())).toMatchObject({ code: ErrorCode.ProviderBadResponse, retryable: true });

    server.enqueue({ kind: 'http-error', status: 429, type: 'rate_limit_exceeded', retryAfterSeconds: 2 });
    expect(await failureOf(run())).toMatchObject({
      code: ErrorCode.ProviderRateLimited,
      retryable: true,
      retryAfterMs: 2_000,
    });

    server.enqueue({ kind: 'http-error', status: 500 });
    expect(await failureOf(run())).toMatchObject({ code: ErrorCode.ProviderUnavailable, retryable: true });

    expect(await failureOf(run(generatorWith({ apiKey: 'sk-wrong' })))).toMatchObject({
      code: ErrorCode.ProviderAuthFailed,
      retryable: false,
    });

    const badSize = await failureOf(run(undefined, { size: '1792x1024' }));
    expect(badSize).toMatchObject({ code: ErrorCode.ProviderBadResponse, retryable: false });
    expect(badSize.message).toContain("Invalid value: '1792x1024'");
  });

  it('gives up on a video that never finishes once the timeout passes, saying so', async () => {
    server.enqueue({ kind: 'never' });
    const timedOut = await failureOf(run(generatorWith({ timeoutMs: 200 })));
    expect(timedOut).toMatchObject({ code: ErrorCode.ProviderTimeout, retryable: false });
    expect(timedOut.message).toMatch(/did not finish within 0 s \(last status in_progress, 42%\)/);
  });

  it('stops polling when aborted', async () => {
    server.enqueue({ kind: 'never' });
    const controller = new AbortController();
    const running = run(undefined, {}, [], controller.signal);
    while (server.requests.length < 3) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
  });

  it('follows the video an earlier attempt kept, and makes a new one when that one failed or is unknown', async () => {
    const kept: string[] = [];
    const resumeFrom = (providerRef: string | null) => ({
      signal: new AbortController().signal,
      onProgress: () => undefined,
      resume: { providerRef, keep: async (ref: string) => void kept.push(ref) },
    });
    server.enqueue({ kind: 'complete', polls: 2 });
    const first = await generatorWith().generate(request, resumeFrom(null));
    const firstId = first.metadata.providerVideoId as string;
    expect(kept).toEqual([firstId]);

    const again = await generatorWith().generate(request, resumeFrom(firstId));
    expect(again.metadata).toMatchObject({ providerVideoId: firstId, resumed: true });
    expect(server.created).toHaveLength(1);

    server.enqueue({ kind: 'fail', code: 'internal_error', message: 'boom', afterPolls: 1 });
    const failed = await generatorWith()
      .generate(request, resumeFrom(null))
      .catch(() => null);
    expect(failed).toBeNull();
    const failedId = kept.at(-1)!;
    const remade = await generatorWith().generate(request, resumeFrom(failedId));
    expect(remade.metadata.providerVideoId).not.toBe(failedId);
    const fresh = await generatorWith().generate(request, resumeFrom('video_unknown'));
    expect(fresh.metadata.resumed).toBeUndefined();
    expect(server.created).toHaveLength(4);
  });
});
