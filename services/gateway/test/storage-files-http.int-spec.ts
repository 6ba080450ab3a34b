import { createHash, createHmac, randomBytes } from 'node:crypto';
import { startS3TestServer, waitFor, type S3TestServer } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { MEDIA_URL_SECRET, startMediaPlatform, type MediaPlatform } from './support/media-platform';
import { api, json } from './support/platform';

const MiB = 1024 * 1024;
const MAX_BYTES = 8 * MiB;
/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const UNKNOWN_ID = '0b0e7f3c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Storage {
  name: string;
  env(): Promise<{ env: Record<string, string>; close(): Promise<void> }>;
}

const local: Storage = {
  name: 'local filesystem',
  env: () => Promise.resolve({ env: {}, close: () => Promise.resolve() }),
};

const s3: Storage = {
  name: 'S3 (s3rver)',
  async env() {
    const server: S3TestServer = await startS3TestServer();
    return {
      env: {
        MEDIA_STORAGE: 's3',
        MEDIA_S3_BUCKET: server.bucket,
        MEDIA_S3_PREFIX: 'test/',
        MEDIA_S3_ENDPOINT: server.endpoint,
        MEDIA_S3_FORCE_PATH_STYLE: 'true',
        MEDIA_S3_ACCESS_KEY_ID: 'S3RVER',
        MEDIA_S3_SECRET_ACCESS_KEY: 'S3RVER',
        MEDIA_S3_PART_BYTES: String(5 * MiB),
      },
      close: () => server.close(),
    };
  },
};

/**
 * Uploaded files end to end: the gateway in-process, media-gen (and usage) as their own processes, the
 * upload streamed through the media uploads bucket into the storage under test.
 */
describe.each([local, s3])('stored files over HTTP: $name', (storage) => {
  let platform: MediaPlatform;
  let closeStorage: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(platform.gateway.baseUrl, user.accessToken);

  beforeAll(async () => {
    const { env, close } = await storage.env();
    closeStorage = close;
    platform = await startMediaPlatform(
      { ...env, MEDIA_FILE_MAX_BYTES: String(MAX_BYTES) },
      { STORAGE_FILE_MAX_BYTES: MAX_BYTES },
    );
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
  });
  afterAll(async () => {
    await platform?.close();
    await closeStorage?.();
  });

  async function upload(
    user: RegisteredUser,
    file: { data: Uint8Array; type?: string; name?: string } | null,
    fields: Record<string, string> = {},
  ) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (file) form.append('file', new Blob([file.data], { type: file.type ?? '' }), file.name ?? 'file.bin');
    const response = await fetch(`${platform.gateway.baseUrl}/api/v1/storage/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}` },
      body: form,
    });
    return { status: response.status, body: await json(response) };
  }

  async function stored(user: RegisteredUser, file: { data: Uint8Array; type?: string; name?: string }) {
    const answer = await upload(user, file);
    expect(answer).toMatchObject({ status: 201 });
    return answer.body;
  }

  const listOf = async (user: RegisteredUser, query = '') =>
    json(await as(user)(`/api/v1/storage/files${query}`));

  it('keeps a file, told by its content, and serves it through a signed URL to its owner', async () => {
    const file = await stored(alice, { data: PNG, type: 'image/png', name: 'pixel.png' });
    expect(file).toEqual({
      id: expect.any(String),
      filename: 'pixel.png',
      contentType: 'image/png',
      bytes: PNG.byteLength,
      sha256: sha256(PNG),
      url: expect.stringMatching(
        new RegExp(`^/api/v1/storage/files/${file.id}/content\\?expires=\\d+&signature=[0-9a-f]{64}$`),
      ),
      urlExpiresAt: expect.any(String),
      createdAt: expect.any(String),
    });
    const again = await as(alice)(`/api/v1/storage/files/${file.id}`);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id: file.id, contentType: 'image/png', bytes: PNG.byteLength });

    const content = await as(alice)(file.url);
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(content.headers.get('x-content-type-options')).toBe('nosniff');
    expect(content.headers.get('content-disposition')).toMatch(/^attachment; filename="pixel.png"/);
    expect(Buffer.from(await content.arrayBuffer())).toEqual(PNG);
  });

  it('stores the type the content has, whatever the name says or when no type is declared', async () => {
    const png = await stored(alice, { data: PNG, name: 'notes.txt' });
    expect(png).toMatchObject({ contentType: 'image/png', filename: 'notes.txt' });
    const text = await stored(alice, {
      data: Buffer.from('plain words, ünïcödé\n'),
      type: 'text/plain',
      name: 'a.txt',
    });
    expect(text.contentType).toBe('text/plain');
    const served = await as(alice)(text.url);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await served.text()).toBe('plain words, ünïcödé\n');
    // An HTML page is kept as the text it is, and served as an attachment that no browser renders.
    const html = await stored(alice, {
      data: Buffer.from('<html><script>alert(1)</script></html>'),
      name: 'x.html',
    });
    expect(html.contentType).toBe('text/plain');
  });

  it('refuses a file whose declared type its content contradicts, and keeps nothing of it', async () => {
    const before = (await listOf(alice, '?limit=100')).data.length;
    const pngAsJpeg = await upload(alice, { data: PNG, type: 'image/jpeg', name: 'photo.jpg' });
    expect(pngAsJpeg.status).toBe(415);
    expect(pngAsJpeg.body).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
    expect(pngAsJpeg.body.detail).toContain('image/png');
    const textAsPng = await upload(alice, { data: Buffer.from('not an image at all'), type: 'image/png' });
    expect(textAsPng.status).toBe(415);
    expect((await listOf(alice, '?limit=100')).data.length).toBe(before);
  });

  it('streams a file larger than a bus message in and out whole', async () => {
    // A start no file type has (random bytes can look like a format with a short signature).
    const data = Buffer.concat([Buffer.from('conduit test bytes\u0000'), randomBytes(6 * MiB + 123)]);
    const file = await stored(alice, { data, type: 'application/octet-stream', name: 'blob.bin' });
    expect(file).toMatchObject({
      bytes: data.byteLength,
      sha256: sha256(data),
      contentType: 'application/octet-stream',
    });
    const content = await as(alice)(file.url);
    expect(content.status).toBe(200);
    expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(data));
  });

  it('answers bad uploads with clear 4xx and keeps serving', async () => {
    const before = (await listOf(alice, '?limit=100')).data.length;
    const tooLarge = await upload(alice, { data: Buffer.alloc(MAX_BYTES + 1, 1), name: 'big.bin' });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

    const noFile = await upload(alice, null, {});
    expect(noFile.status).toBe(400);
    expect(noFile.body.detail).toContain('`file` part');
    const otherField = await upload(alice, null, { note: 'hello' });
    expect(otherField.status).toBe(400);
    const empty = await upload(alice, { data: Buffer.alloc(0), name: 'empty.txt' });
    expect(empty.status).toBe(400);
    const notMultipart = await as(alice)('/api/v1/storage/files', { body: { file: 'x' } });
    expect(notMultipart.status).toBe(400);

    // The multipart parser keeps the last part of a path; the key is never made from the name anyway.
    const tricky = await stored(alice, { data: Buffer.from('x'), name: '../../etc/passwd' });
    expect(tricky.filename).toBe('passwd');
    const control = await upload(alice, { data: Buffer.from('x'), name: 'a\u0001b.txt' });
    expect(control.status).toBe(400);

    expect((await as(alice)(`/api/v1/storage/files/${UNKNOWN_ID}`)).status).toBe(404);
    expect((await as(alice)(`/api/v1/storage/files/${UNKNOWN_ID}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as(alice)('/api/v1/storage/files/not-a-uuid')).status).toBe(400);
    expect((await as(alice)('/api/v1/storage/files?cursor=bm9wZQ')).status).toBe(400);
    expect((await as(alice)('/api/v1/storage/files?limit=1000')).status).toBe(400);

    expect((await listOf(alice, '?limit=100')).data.length).toBe(before + 1);
    expect((await upload(alice, { data: PNG, name: 'still.png' })).status).toBe(201);
  });

  it('lists files newest first, a page at a time', async () => {
    const carol = await registerUser(platform.gateway.baseUrl);
    const ids: string[] = [];
    for (const n of [1, 2, 3])
      ids.push((await stored(carol, { data: Buffer.from(`file ${n}`), name: `${n}.txt` })).id);
    const first = await listOf(carol, '?limit=2');
    expect(first.data.map((f: any) => f.id)).toEqual([ids[2], ids[1]]);
    const second = await listOf(carol, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.data.map((f: any) => f.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
  });

  it("keeps each user's files to them: no reading, listing, downloading or deleting another's", async () => {
    const file = await stored(alice, { data: PNG, name: 'private.png' });
    expect((await as(bob)(`/api/v1/storage/files/${file.id}`)).status).toBe(404);
    expect((await listOf(bob, '?limit=100')).data.map((f: any) => f.id)).not.toContain(file.id);
    expect((await as(bob)(file.url)).status).toBe(403);
    expect((await as(bob)(`/api/v1/storage/files/${file.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${platform.gateway.baseUrl}${file.url}`)).status).toBe(401);

    const { pathname, searchParams } = new URL(file.url, 'http://x');
    const expires = Number(searchParams.get('expires'));
    const guessed = await as(alice)(`${pathname}?expires=${expires}&signature=${'ab'.repeat(32)}`);
    expect(guessed.status).toBe(403);
    const extended = await as(alice)(
      `${pathname}?expires=${expires + 3600}&signature=${searchParams.get('signature')}`,
    );
    expect(extended.status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 60;
    const sign = (userId: string, at: number) =>
      createHmac('sha256', MEDIA_URL_SECRET)
        .update(`${userId}\n${file.id}\nstored-file\n${at}`)
        .digest('hex');
    const expired = await as(alice)(`${pathname}?expires=${past}&signature=${sign(alice.userId, past)}`);
    expect(expired.status).toBe(403);
    expect((await json(expired)).detail).toContain('expired');
    // A URL properly signed for bob names alice's file: still not his.
    const future = past + 7200;
    const forBob = await as(bob)(`${pathname}?expires=${future}&signature=${sign(bob.userId, future)}`);
    expect(forBob.status).toBe(404);

    expect((await as(alice)(file.url)).status).toBe(200);
  });

  it('deletes a file: its record and its content', async () => {
    const file = await stored(alice, { data: PNG, name: 'gone.png' });
    expect((await as(alice)(`/api/v1/storage/files/${file.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as(alice)(`/api/v1/storage/files/${file.id}`)).status).toBe(404);
    expect((await as(alice)(file.url)).status).toBe(404);
    expect((await as(alice)(`/api/v1/storage/files/${file.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('deletes a finished generation job with its stored results, for its owner only', async () => {
    const created = await as(alice)('/api/v1/media/images', {
      body: { prompt: 'a kept picture', size: '256x256' },
    });
    expect(created.status).toBe(202);
    const { jobId } = await json(created);
    let job: any;
    await waitFor(
      async () => {
        job = await json(await as(alice)(`/api/v1/media/jobs/${jobId}`));
        return job.status === 'succeeded';
      },
      () => `job ${jobId} succeeded (last seen: ${JSON.stringify(job)})`,
    );
    const resultUrl = job.results[0].url;
    expect((await as(alice)(resultUrl)).status).toBe(200);

    expect((await as(bob)(`/api/v1/media/jobs/${jobId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as(alice)(`/api/v1/media/jobs/${jobId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as(alice)(`/api/v1/media/jobs/${jobId}`)).status).toBe(404);
    expect((await as(alice)(resultUrl)).status).toBe(404);
    expect((await as(alice)(`/api/v1/media/jobs/${UNKNOWN_ID}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as(alice)('/api/v1/media/jobs/not-a-uuid', { method: 'DELETE' })).status).toBe(400);
  });
});
