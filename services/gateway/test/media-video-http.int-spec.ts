import { FAKE_OPENAI_PNG_BASE64, fakeOpenAIVideoContent, probeVideo, waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { startMediaPlatformWithUsers, type MediaPlatform } from './support/media-platform';
import { mediaJobsAs, recordedUsageOf } from './support/media-jobs';
import { json } from './support/platform';

/**
 * Video jobs end to end: the gateway in-process, media-gen and usage as their own processes, NATS,
 * JetStream, Postgres and Redis for real; the offline model through ffmpeg, Sora through the official
 * SDK against a fake of OpenAI's videos API.
 */
describe('video jobs over HTTP', () => {
  let platform: MediaPlatform;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const { as, jobOf, finished, events } = mediaJobsAs(() => platform.gateway.baseUrl);

  beforeAll(async () => {
    ({ platform, alice, bob } = await startMediaPlatformWithUsers());
  });
  afterAll(async () => {
    await platform?.close();
  });
  afterEach(() => platform.videos.reset());

  async function create(user: RegisteredUser, body: Record<string, unknown>, path = '/api/v1/media/videos') {
    const response = await as(user)(path, { body });
    return { status: response.status, body: await json(response) };
  }

  async function accepted(
    user: RegisteredUser,
    body: Record<string, unknown>,
    path?: string,
  ): Promise<string> {
    const answer = await create(user, body, path);
    expect(answer).toMatchObject({ status: 202 });
    return answer.body.jobId;
  }

  const download = async (user: RegisteredUser, url: string) => {
    const response = await as(user)(url);
    expect(response.status).toBe(200);
    return {
      type: response.headers.get('content-type'),
      bytes: new Uint8Array(await response.arrayBuffer()),
    };
  };

  it('makes an offline placeholder clip with ffmpeg: an MP4 of the asked size and length, the same for the same prompt', async () => {
    const id = await accepted(alice, { prompt: 'waves on a shore', size: '640x360', seconds: 2 });
    const seen = await events(alice, id);
    expect(seen.at(-1)).toMatchObject({ type: 'done', status: 'succeeded', reason: null });
    const job = (await jobOf(alice, id)).body;
    expect(job).toMatchObject({
      kind: 'video',
      status: 'succeeded',
      model: 'offline/placeholder-video',
      input: { prompt: 'waves on a shore', size: '640x360', seconds: 2 },
      progress: 100,
    });
    expect(job.results).toHaveLength(1);
    expect(job.results[0]).toMatchObject({
      contentType: 'video/mp4',
      metadata: { placeholder: true, width: 640, height: 360, seconds: 2, fromImage: false },
    });
    const file = await download(alice, job.results[0].url);
    expect(file.type).toBe('video/mp4');
    expect(file.bytes.byteLength).toBe(job.results[0].bytes);
    expect(probeVideo(file.bytes)).toMatchObject({ width: 640, height: 360 });
    expect(probeVideo(file.bytes).seconds).toBeCloseTo(2, 0);

    const again = await finished(
      alice,
      await accepted(alice, { prompt: 'waves on a shore', size: '640x360', seconds: 2 }),
    );
    expect(
      Buffer.from((await download(alice, again.results[0].url)).bytes).equals(Buffer.from(file.bytes)),
    ).toBe(true);
  });

  it('starts a clip from one of your images or from an upload, which the job shows by its digest only', async () => {
    const image = await finished(
      alice,
      await accepted(alice, { prompt: 'a still life', size: '256x256' }, '/api/v1/media/images'),
    );
    const fromFile = await finished(
      alice,
      await accepted(alice, {
        prompt: 'pan across it',
        size: '480x480',
        seconds: 1,
        image: { file: { jobId: image.id } },
      }),
    );
    expect(fromFile).toMatchObject({
      status: 'succeeded',
      input: { image: { file: { jobId: image.id, index: 0 } } },
      results: [{ metadata: { fromImage: true, width: 480, height: 480 } }],
    });

    const fromUpload = await finished(
      alice,
      await accepted(alice, {
        prompt: 'pan across the upload',
        size: '360x640',
        seconds: 1,
        image: { upload: { contentType: 'image/png', base64: FAKE_OPENAI_PNG_BASE64 } },
      }),
    );
    expect(fromUpload).toMatchObject({ status: 'succeeded', results: [{ metadata: { fromImage: true } }] });
    expect(fromUpload.input.image).toEqual({
      upload: {
        contentType: 'image/png',
        bytes: Buffer.from(FAKE_OPENAI_PNG_BASE64, 'base64').byteLength,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    expect(probeVideo((await download(alice, fromUpload.results[0].url)).bytes)).toMatchObject({
      width: 360,
      height: 640,
    });
  });

  it("runs Sora through the SDK, create then poll, with the provider's progress on the stream, and meters its seconds", async () => {
    platform.videos.enqueue({ kind: 'complete', polls: 4 });
    const id = await accepted(bob, { prompt: 'a paper boat', model: 'openai/sora-2', seconds: 4 });
    const seen = await events(bob, id);
    const percents = seen.filter((e) => e.type === 'running' && e.percent !== null).map((e) => e.percent);
    expect(percents.length).toBeGreaterThan(0);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const job = (await jobOf(bob, id)).body;
    const providerId = job.results[0].metadata.providerVideoId;
    expect(job.results[0]).toMatchObject({
      contentType: 'video/mp4',
      metadata: { model: 'openai/sora-2', seconds: 4 },
    });
    expect(
      Buffer.from((await download(bob, job.results[0].url)).bytes).equals(fakeOpenAIVideoContent(providerId)),
    ).toBe(true);
    expect(platform.videos.created).toEqual([
      { model: 'sora-2', prompt: 'a paper boat', size: '1280x720', seconds: '4' },
    ]);

    expect(await recordedUsageOf(as(bob), 'openai/sora-2')).toMatchObject({
      requests: 1,
      seconds: 4,
      costUsd: 0.4,
    });
  });

  it('follows the video an earlier attempt created when its worker dies, instead of paying for another', async () => {
    platform.videos.enqueue({ kind: 'held' });
    const id = await accepted(bob, { prompt: 'a long take', model: 'openai/sora-2', seconds: 4 });
    const statusReads = () =>
      platform.videos.requests.filter((r) => r.method === 'GET' && /^\/v1\/videos\/[^/]+$/.test(r.path));
    await waitFor(() => statusReads().length >= 1, 'the first worker following its video');
    // The video finishes only once that worker is dead: the next worker must follow it, not create another.
    await platform.restartMediaGen({ kill: true, whileDown: () => platform.videos.releaseHeld() });
    const job = await finished(bob, id);
    expect(job.status).toBe('succeeded');
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    expect(platform.videos.created).toHaveLength(1);
    const providerId = job.results[0].metadata.providerVideoId;
    expect(job.results[0].metadata).toMatchObject({ resumed: true });
    expect(
      Buffer.from((await download(bob, job.results[0].url)).bytes).equals(fakeOpenAIVideoContent(providerId)),
    ).toBe(true);
  });

  it('fails a refused clip at once, a clip that never finishes after the timeout, and retries a busy provider', async () => {
    platform.videos.enqueue({
      kind: 'fail',
      code: 'moderation_blocked',
      message: 'Blocked by our moderation system.',
    });
    const refused = await finished(bob, await accepted(bob, { prompt: 'refused', model: 'openai/sora-2' }));
    expect(refused).toMatchObject({ status: 'failed', attempts: 1, results: [] });
    expect(refused.failureReason).toContain('PROVIDER_CONTENT_REJECTED');

    platform.videos.enqueue({ kind: 'never' });
    const stuck = await finished(bob, await accepted(bob, { prompt: 'stuck', model: 'openai/sora-2' }));
    expect(stuck).toMatchObject({ status: 'failed', attempts: 1 });
    expect(stuck.failureReason).toMatch(/PROVIDER_TIMEOUT: OpenAI video video_\w+ did not finish within 3 s/);

    platform.videos.enqueue({
      kind: 'http-error',
      status: 429,
      type: 'rate_limit_exceeded',
      retryAfterSeconds: 1,
    });
    const busy = await finished(
      bob,
      await accepted(bob, { prompt: 'busy', model: 'openai/sora-2-pro', size: '1792x1024', seconds: 8 }),
    );
    expect(busy).toMatchObject({ status: 'succeeded', attempts: 2 });
    // 1792x1024 on sora-2-pro is $0.50 a second (720p is $0.30).
    expect(await recordedUsageOf(as(bob), 'openai/sora-2-pro')).toMatchObject({ requests: 1, costUsd: 4 });
  });

  it('cancels a clip while the provider makes it: polling stops and the stream ends cancelled', async () => {
    platform.videos.enqueue({ kind: 'never' });
    const id = await accepted(alice, { prompt: 'long take', model: 'openai/sora-2' });
    const seen: any[] = [];
    const following = events(alice, id, (event) => seen.push(event));
    await waitFor(
      () => seen.some((e) => e.type === 'running' && e.percent === 42),
      () => `42% seen (${JSON.stringify(seen)})`,
    );
    const cancel = await as(alice)(`/api/v1/media/jobs/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect((await following).at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
    const polls = () => platform.videos.requests.filter((r) => r.method === 'GET').length;
    const after = polls();
    // Bounded: once the next poll would be due, no further status read arrives.
    await waitFor(() => platform.videos.activeResponses() === 0, 'no provider call open');
    expect(polls()).toBeLessThanOrEqual(after + 1);
  });

  it('refuses bad input with a clear 4xx and stores nothing', async () => {
    const dave = await registerUser(platform.gateway.baseUrl);
    const jpegBytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]).toString(
      'base64',
    );
    const cases: [Record<string, unknown>, number, string, string?][] = [
      [{ prompt: 'x', model: 'acme/movie' }, 404, 'UNKNOWN_MODEL'],
      [{ prompt: 'x', size: '999x999' }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', size: '1792x1024' }, 400, 'VALIDATION_FAILED', 'offline/placeholder-video takes'],
      [
        { prompt: 'x', model: 'openai/sora-2', seconds: 5 },
        400,
        'VALIDATION_FAILED',
        'makes clips of 4, 8, 12 seconds',
      ],
      [{ prompt: 'x', seconds: 0 }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', seconds: 21 }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', seconds: 1.5 }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x'.repeat(4_001) }, 400, 'VALIDATION_FAILED'],
      [{ prompt: ' ' }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', fps: 60 }, 400, 'VALIDATION_FAILED'],
      [
        { prompt: 'x', image: { upload: { contentType: 'image/png', base64: jpegBytes } } },
        400,
        'VALIDATION_FAILED',
        'but the bytes are image/jpeg',
      ],
      [
        { prompt: 'x', image: { upload: { contentType: 'image/gif', base64: jpegBytes } } },
        400,
        'VALIDATION_FAILED',
      ],
      [
        { prompt: 'x', image: { upload: { contentType: 'image/png', base64: 'not base64!' } } },
        400,
        'VALIDATION_FAILED',
      ],
      [
        { prompt: 'x', image: { upload: { contentType: 'image/png', base64: 'A'.repeat(700_000) } } },
        400,
        'VALIDATION_FAILED',
      ],
      [{ prompt: 'x', image: { file: { jobId: '00000000-0000-4000-8000-000000000000' } } }, 404, 'NOT_FOUND'],
      [{ prompt: 'x', image: { file: { jobId: 'nope' } } }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code, detail] of cases) {
      const response = await create(dave, body);
      expect({
        body: JSON.stringify(body).slice(0, 120),
        status: response.status,
        code: response.body.code,
      }).toEqual({
        body: JSON.stringify(body).slice(0, 120),
        status,
        code,
      });
      if (detail) expect(JSON.stringify(response.body)).toContain(detail);
    }
    expect(await json(await as(dave)('/api/v1/media/jobs'))).toEqual({ data: [], nextCursor: null });
  });

  it("keeps users apart: nobody starts a clip from, sees or downloads another user's files", async () => {
    const image = await finished(
      alice,
      await accepted(alice, { prompt: 'alice only', size: '256x256' }, '/api/v1/media/images'),
    );
    const borrowed = await create(bob, { prompt: 'x', image: { file: { jobId: image.id } } });
    expect(borrowed).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const clip = await finished(
      alice,
      await accepted(alice, { prompt: 'alice clip', size: '640x360', seconds: 1 }),
    );
    expect((await jobOf(bob, clip.id)).status).toBe(404);
    expect((await as(bob)(clip.results[0].url)).status).toBe(403);
    const bobs = await json(await as(bob)('/api/v1/media/jobs?limit=100'));
    expect(bobs.data.map((j: any) => j.id)).not.toContain(clip.id);
  });
});
