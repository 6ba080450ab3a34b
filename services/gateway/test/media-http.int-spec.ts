import { createHmac } from 'node:crypto';
import { FAKE_OPENAI_PNG_BASE64, geminiRateLimited, waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { MEDIA_URL_SECRET, startMediaPlatformWithUsers, type MediaPlatform } from './support/media-platform';
import { mediaJobsAs, recordedUsageOf } from './support/media-jobs';
import { json } from './support/platform';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IMAGES_PATH = '/v1/images/generations';

/**
 * Image jobs end to end: the gateway in-process, media-gen and usage as their own processes, NATS,
 * JetStream, Postgres and Redis for real, OpenAI images through the official SDK against a fake server.
 */
describe('media jobs over HTTP', () => {
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
  afterEach(() => platform.openai.reset());

  async function create(user: RegisteredUser, body: Record<string, unknown>, key?: string) {
    const response = await as(user)('/api/v1/media/images', {
      body,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    });
    return { status: response.status, body: await json(response) };
  }

  async function accepted(user: RegisteredUser, body: Record<string, unknown>): Promise<string> {
    const { status, body: answer } = await create(user, body);
    expect(status).toBe(202);
    return answer.jobId;
  }

  const imageRequests = () => platform.openai.requests.filter((r) => r.path === IMAGES_PATH);

  it('runs an offline job to stored PNGs, with progress over SSE and signed URLs that work for the owner', async () => {
    const id = await accepted(alice, { prompt: 'a lighthouse at dusk', n: 2, size: '256x256' });
    const seen = await events(alice, id);
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i));
    const done = seen.at(-1);
    expect(done).toMatchObject({ type: 'done', jobId: id, status: 'succeeded', reason: null });
    expect(done.results).toHaveLength(2);
    for (const event of seen.slice(0, -1)) expect(['queued', 'running']).toContain(event.type);

    const job = (await jobOf(alice, id)).body;
    expect(job).toMatchObject({
      id,
      kind: 'image',
      status: 'succeeded',
      model: 'offline/placeholder-image',
      input: { prompt: 'a lighthouse at dusk', n: 2, size: '256x256' },
      progress: 100,
      attempts: 1,
      failureReason: null,
    });
    expect(job.results[0].metadata).toMatchObject({ placeholder: true, width: 256, height: 256 });
    const file = await as(alice)(job.results[0].url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(bytes.byteLength).toBe(job.results[0].bytes);

    // The same prompt draws the same picture; another prompt does not.
    const again = await finished(
      alice,
      await accepted(alice, { prompt: 'a lighthouse at dusk', size: '256x256' }),
    );
    const other = await finished(
      alice,
      await accepted(alice, { prompt: 'a forest at noon', size: '256x256' }),
    );
    const download = async (url: string) => Buffer.from(await (await as(alice)(url)).arrayBuffer());
    expect((await download(again.results[0].url)).equals(Buffer.from(bytes))).toBe(true);
    expect((await download(other.results[0].url)).equals(Buffer.from(bytes))).toBe(false);

    // A finished job's stream is its outcome at once.
    expect(await events(alice, id)).toEqual([
      expect.objectContaining({ seq: 0, type: 'done', status: 'succeeded' }),
    ]);
  });

  it('lists the image models with the sizes, qualities and counts each takes, to signed-in callers only', async () => {
    const response = await as(alice)('/api/v1/media/images/models');
    expect(response.status).toBe(200);
    const { models } = await json(response);
    expect(models[0]).toEqual({
      id: 'offline/placeholder-image',
      sizes: ['256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'],
      qualities: ['auto', 'standard'],
      maxImages: 4,
      edits: 'none',
      available: true,
    });
    expect(models).toContainEqual({
      id: 'openai/gpt-image-1',
      sizes: ['1024x1024', '1536x1024', '1024x1536'],
      qualities: ['auto', 'low', 'medium', 'high'],
      maxImages: 4,
      edits: 'mask',
      available: true,
    });
    expect((await fetch(`${platform.gateway.baseUrl}/api/v1/media/images/models`)).status).toBe(401);
  });

  it('gives back the same job for a repeated Idempotency-Key, per user', async () => {
    const body = { prompt: 'one job only', size: '256x256' };
    const first = await create(alice, body, 'order-42');
    const second = await create(alice, body, 'order-42');
    expect(first).toMatchObject({ status: 202, body: { created: true } });
    expect(second).toMatchObject({ status: 202, body: { jobId: first.body.jobId, created: false } });
    const different = await create(alice, { ...body, prompt: 'another job' }, 'order-42');
    expect(different.status).toBe(409);
    expect(different.body.code).toBe('CONFLICT');
    const bobs = await create(bob, body, 'order-42');
    expect(bobs.status).toBe(202);
    expect(bobs.body.jobId).not.toBe(first.body.jobId);
    expect((await create(alice, body, 'has a space')).status).toBe(400);
    await finished(alice, first.body.jobId);
  });

  it('lists jobs newest first, page by page', async () => {
    const carol = await registerUser(platform.gateway.baseUrl);
    const ids = [];
    for (const prompt of ['one', 'two', 'three'])
      ids.push(await accepted(carol, { prompt, size: '256x256' }));
    const first = await json(await as(carol)('/api/v1/media/jobs?limit=2'));
    expect(first.data.map((j: any) => j.id)).toEqual([ids[2], ids[1]]);
    const second = await json(await as(carol)(`/api/v1/media/jobs?limit=2&cursor=${first.nextCursor}`));
    expect(second).toMatchObject({ data: [{ id: ids[0] }], nextCursor: null });
    expect((await as(carol)('/api/v1/media/jobs?cursor=bm9wZQ')).status).toBe(400);
    for (const id of ids) await finished(carol, id);
  });

  it('refuses bad input with a 4xx and stores nothing', async () => {
    const dave = await registerUser(platform.gateway.baseUrl);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ prompt: 'x', model: 'acme/painter' }, 404, 'UNKNOWN_MODEL'],
      [{ prompt: 'x', size: '999x999' }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', model: 'openai/dall-e-3', size: '512x512' }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', model: 'openai/dall-e-3', n: 2 }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x'.repeat(4_001) }, 400, 'VALIDATION_FAILED'],
      [{ prompt: '   ' }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', n: 5 }, 400, 'VALIDATION_FAILED'],
      [{ prompt: 'x', colour: 'blue' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const response = await create(dave, body);
      expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status, code });
    }
    const response = await as(dave)('/api/v1/media/images', { body: '{"prompt":', headers: {} });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(await as(dave)('/api/v1/media/jobs'))).toEqual({ data: [], nextCursor: null });
    expect((await as(dave)('/api/v1/media/jobs/not-a-uuid')).status).toBe(400);
    expect((await jobOf(dave, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it("keeps users apart: nobody sees, cancels, follows or downloads another user's job", async () => {
    const id = await accepted(alice, { prompt: 'private picture', size: '256x256' });
    const job = await finished(alice, id);
    const url: string = job.results[0].url;
    expect((await jobOf(bob, id)).status).toBe(404);
    expect((await as(bob)(`/api/v1/media/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(404);
    expect((await as(bob)(`/api/v1/media/jobs/${id}/events`)).status).toBe(404);
    const bobsList = await json(await as(bob)('/api/v1/media/jobs?limit=100'));
    expect(bobsList.data.map((j: any) => j.id)).not.toContain(id);
    expect((await as(bob)(url)).status).toBe(403);

    const { pathname, searchParams } = new URL(url, 'http://gateway');
    const expires = Number(searchParams.get('expires'));
    const tampered = `${pathname}?expires=${expires + 3600}&signature=${searchParams.get('signature')}`;
    expect((await as(alice)(tampered)).status).toBe(403);
    const [, , , , , jobId, index] = pathname.split('/');
    const past = Math.floor(Date.now() / 1000) - 60;
    const expiredSignature = createHmac('sha256', MEDIA_URL_SECRET)
      .update(`${alice.userId}\n${jobId}\n${index}\n${past}`)
      .digest('hex');
    const expired = await as(alice)(`${pathname}?expires=${past}&signature=${expiredSignature}`);
    expect(expired.status).toBe(403);
    expect((await json(expired)).detail).toContain('expired');
    expect((await fetch(`${platform.gateway.baseUrl}${url}`)).status).toBe(401);
    expect((await as(alice)(url)).status).toBe(200);
  });

  it('retries a job the provider rate-limits, after its Retry-After, and runs it through the OpenAI SDK', async () => {
    platform.openai.endpoint(IMAGES_PATH).enqueue({ kind: 'http-error', status: 429, retryAfterSeconds: 1 });
    const id = await accepted(alice, {
      prompt: 'busy provider',
      model: 'openai/gpt-image-1',
      quality: 'low',
    });
    const job = await finished(alice, id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, failureReason: null });
    expect(job.results[0]).toMatchObject({
      contentType: 'image/png',
      metadata: { model: 'openai/gpt-image-1', quality: 'low', size: '1024x1024' },
    });
    expect(imageRequests()).toHaveLength(2);
    expect(JSON.parse(imageRequests()[1]!.rawBody)).toMatchObject({
      model: 'gpt-image-1',
      prompt: 'busy provider',
      quality: 'low',
    });
    const png = new Uint8Array(await (await as(alice)(job.results[0].url)).arrayBuffer());
    expect([...png.subarray(0, 8)]).toEqual(PNG_MAGIC);
    // Priced at the quality and size asked for: a low-quality square is $0.011, not the flat $0.042.
    expect(await recordedUsageOf(as(alice), 'openai/gpt-image-1')).toMatchObject({
      requests: 1,
      images: 1,
      costUsd: 0.011,
    });
  });

  it('runs jobs on Stability and Gemini through their own APIs, each retried after the wait it asked for, at their prices', async () => {
    const erin = await registerUser(platform.gateway.baseUrl);
    platform.stability.enqueue({
      kind: 'status',
      status: 429,
      body: { id: 'e', name: 'rate_limit_exceeded', errors: ['You have exceeded the rate limit'] },
      headers: { 'retry-after': '1' },
    });
    platform.gemini.enqueue(geminiRateLimited('1s'));
    const stable = await accepted(erin, {
      prompt: 'a harbour',
      model: 'stability/stable-image-core',
      size: '1792x1024',
      n: 2,
    });
    const gemini = await accepted(erin, { prompt: 'a kite', model: 'google/gemini-2.5-flash-image' });
    const [stableJob, geminiJob] = [await finished(erin, stable), await finished(erin, gemini)];
    expect(stableJob).toMatchObject({ status: 'succeeded', attempts: 2, failureReason: null });
    expect(stableJob.results.map((r: any) => r.metadata)).toEqual([
      expect.objectContaining({ model: 'stability/stable-image-core', aspectRatio: '16:9' }),
      expect.objectContaining({ model: 'stability/stable-image-core', aspectRatio: '16:9' }),
    ]);
    expect(geminiJob).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(geminiJob.results[0].metadata).toMatchObject({
      model: 'google/gemini-2.5-flash-image',
      aspectRatio: '1:1',
    });
    for (const job of [stableJob, geminiJob]) {
      const png = new Uint8Array(await (await as(erin)(job.results[0].url)).arrayBuffer());
      expect([...png.subarray(0, 8)]).toEqual(PNG_MAGIC);
    }
    expect(await recordedUsageOf(as(erin), 'stability/stable-image-core')).toMatchObject({
      requests: 1,
      images: 2,
      costUsd: 0.06,
    });
    expect(await recordedUsageOf(as(erin), 'google/gemini-2.5-flash-image')).toMatchObject({
      requests: 1,
      images: 1,
      costUsd: 0.039,
    });
    // A model whose size the provider cannot draw is refused before any job exists.
    const refused = await create(erin, {
      prompt: 'x',
      model: 'stability/stable-image-ultra',
      size: '256x256',
    });
    expect(refused).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('edits a picture with a mask through gpt-image-1, and one of your results through Gemini; refuses edits that cannot be', async () => {
    const frank = await registerUser(platform.gateway.baseUrl);
    const png = { contentType: 'image/png', base64: FAKE_OPENAI_PNG_BASE64 };
    const masked = await finished(
      frank,
      await accepted(frank, {
        prompt: 'add a moon',
        model: 'openai/gpt-image-1',
        image: { upload: png },
        mask: { upload: png },
      }),
    );
    const digest = { contentType: 'image/png', bytes: Buffer.from(png.base64, 'base64').byteLength };
    expect(masked).toMatchObject({
      status: 'succeeded',
      input: { image: { upload: digest }, mask: { upload: digest } },
    });
    // No quality asked: the provider picks one and says which (this fake: medium), and that is what is charged.
    expect(masked.results[0].metadata).toMatchObject({
      model: 'openai/gpt-image-1',
      quality: 'medium',
      edit: true,
      masked: true,
    });
    expect(await recordedUsageOf(as(frank), 'openai/gpt-image-1')).toMatchObject({
      requests: 1,
      images: 1,
      costUsd: 0.042,
    });
    const edit = platform.openai.requests.filter((r) => r.path === '/v1/images/edits').at(-1) as any;
    expect(edit.body).toMatchObject({
      model: 'gpt-image-1',
      prompt: 'add a moon',
      image: { contentType: 'image/png' },
      mask: { filename: 'mask.png', contentType: 'image/png' },
    });
    expect(Buffer.from(edit.body.image.data).toString('base64')).toBe(png.base64);

    const field = await finished(frank, await accepted(frank, { prompt: 'a field', size: '256x256' }));
    const snowy = await finished(
      frank,
      await accepted(frank, {
        prompt: 'make it snow',
        model: 'google/gemini-2.5-flash-image',
        image: { file: { jobId: field.id, index: 0 } },
      }),
    );
    expect(snowy).toMatchObject({ status: 'succeeded', input: { image: { file: { jobId: field.id } } } });
    expect(snowy.results[0].metadata).toMatchObject({ edit: true });
    const original = Buffer.from(await (await as(frank)(field.results[0].url)).arrayBuffer());
    expect(platform.gemini.requests.at(-1)?.body.contents?.[0]?.parts).toEqual([
      { text: 'make it snow' },
      { inlineData: { mimeType: 'image/png', data: original.toString('base64') } },
    ]);

    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]).toString(
      'base64',
    );
    const editOf = (fields: Record<string, unknown>) => create(frank, { prompt: 'x', ...fields });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ model: 'openai/gpt-image-1', mask: { upload: png } }, 400, 'mask'],
      [{ model: 'openai/dall-e-3', image: { upload: png } }, 400, 'image'],
      [
        { model: 'google/gemini-2.5-flash-image', image: { upload: png }, mask: { upload: png } },
        400,
        'mask',
      ],
      [
        {
          model: 'openai/gpt-image-1',
          image: { upload: png },
          mask: { upload: { contentType: 'image/jpeg', base64: jpeg } },
        },
        400,
        'mask.upload',
      ],
      [
        { model: 'openai/gpt-image-1', image: { upload: { contentType: 'image/webp', base64: png.base64 } } },
        400,
        'image.upload.base64',
      ],
    ];
    for (const [fields, status, path] of cases) {
      const answer = await editOf(fields);
      expect({ status: answer.status, code: answer.body.code }).toEqual({
        status,
        code: 'VALIDATION_FAILED',
      });
      expect(JSON.stringify(answer.body)).toContain(path);
    }
    // Another user's result is not there for bob.
    const bobs = await create(bob, {
      prompt: 'x',
      model: 'openai/gpt-image-1',
      image: { file: { jobId: field.id, index: 0 } },
    });
    expect(bobs).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('fails a job for good after the attempts allowed, or at once when the provider refuses the content', async () => {
    platform.openai.endpoint(IMAGES_PATH).setBehavior({ kind: 'http-error', status: 500 });
    const broken = await finished(
      alice,
      await accepted(alice, { prompt: 'down', model: 'openai/dall-e-2', size: '256x256' }),
    );
    expect(broken).toMatchObject({ status: 'failed', attempts: 4, results: [] });
    expect(imageRequests()).toHaveLength(4);
    expect(broken.failureReason).toContain('PROVIDER_UNAVAILABLE');

    platform.openai.endpoint(IMAGES_PATH).setBehavior({
      kind: 'http-error',
      status: 400,
      errorType: 'image_generation_user_error',
      code: 'content_policy_violation',
      message: 'Your request was rejected as a result of our safety system.',
    });
    const refused = await finished(
      alice,
      await accepted(alice, { prompt: 'refused', model: 'openai/dall-e-3' }),
    );
    expect(refused).toMatchObject({ status: 'failed', attempts: 1 });
    expect(refused.failureReason).toContain('PROVIDER_CONTENT_REJECTED');
    platform.openai.endpoint(IMAGES_PATH).setBehavior(undefined);
  });

  it('follows a running job live and cancels it: the provider call is dropped and the stream ends cancelled', async () => {
    platform.openai.endpoint(IMAGES_PATH).setBehavior({ kind: 'stall' });
    const id = await accepted(alice, { prompt: 'slow one', model: 'openai/gpt-image-1' });
    await waitFor(() => imageRequests().length === 1, 'the provider called');
    const seen: any[] = [];
    const following = events(alice, id, (event) => seen.push(event));
    await waitFor(
      () => seen.some((e) => e.type === 'running'),
      () => `running seen (${JSON.stringify(seen)})`,
    );
    const cancel = await as(alice)(`/api/v1/media/jobs/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect((await json(cancel)).status).toBe('cancelled');
    expect((await following).at(-1)).toMatchObject({ type: 'done', status: 'cancelled', results: [] });
    await waitFor(() => platform.openai.diagnostics().activeResponses === 0, 'the provider call dropped');
    expect((await as(alice)(`/api/v1/media/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(409);
    platform.openai.endpoint(IMAGES_PATH).setBehavior(undefined);
  });

  it('runs a job again when its worker dies mid-job: one stored result and one usage record', async () => {
    platform.openai.endpoint(IMAGES_PATH).setBehavior({ kind: 'stall' });
    const id = await accepted(bob, { prompt: 'survives a crash', model: 'openai/dall-e-3', quality: 'hd' });
    await waitFor(() => imageRequests().length === 1, 'the first worker calling the provider');
    // The provider answers again only once that worker is dead: it must not finish the job itself.
    await platform.restartMediaGen({
      kill: true,
      whileDown: () => platform.openai.endpoint(IMAGES_PATH).setBehavior(undefined),
    });
    const job = await finished(bob, id);
    // Each delivery counts, the one that went to the dead worker included.
    expect(job.status).toBe('succeeded');
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    expect(job.results).toHaveLength(1);
    expect(job.results[0].metadata).toMatchObject({
      revisedPrompt: expect.stringContaining('survives a crash'),
    });
    expect(imageRequests()).toHaveLength(2);

    // An HD square is priced as HD: $0.08 where a standard one is $0.04.
    expect(await recordedUsageOf(as(bob), 'openai/dall-e-3')).toMatchObject({
      requests: 1,
      images: 1,
      costUsd: 0.08,
    });
  });
});
