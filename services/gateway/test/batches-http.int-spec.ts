import OpenAI, { toFile } from 'openai';
import { waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { startBatchPlatform, type BatchPlatform } from './support/batch-platform';
import { api, json } from './support/platform';

const FILE_LIMIT = 64 * 1024;
const LINE_CONCURRENCY = 2;

type Line = Record<string, unknown>;

const request = (customId: string, content: string, model = 'openai/gpt-4o-mini'): Line => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }], max_tokens: 50 },
});

const jsonl = (lines: readonly unknown[]): string =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

/** The fake provider stalls on requests whose text says `hold` and answers the others. */
const holdWhereAsked = (body: unknown) =>
  JSON.stringify(body).includes('hold') ? ({ kind: 'stall' } as const) : ({ kind: 'answer' } as const);

const parseJsonl = (text: string): any[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

/**
 * Batch completions end to end through the official openai SDK: files.create, batches.create /
 * retrieve / list / cancel and files.content against the gateway, the lines run by media-gen through
 * the chat service (OpenAI's chat completions faked behind it), all processes real.
 */
describe('batch completions over the OpenAI-compatible API', () => {
  let platform: BatchPlatform;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let aliceClient: OpenAI;
  let bobClient: OpenAI;

  const clientFor = (user: RegisteredUser) =>
    new OpenAI({ baseURL: `${platform.gateway.baseUrl}/v1`, apiKey: user.accessToken, maxRetries: 0 });

  beforeAll(async () => {
    platform = await startBatchPlatform({
      gateway: { BATCH_FILE_MAX_BYTES: FILE_LIMIT },
      mediaGenEnv: { MEDIA_BATCH_LINE_CONCURRENCY: String(LINE_CONCURRENCY) },
    });
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
    aliceClient = clientFor(alice);
    bobClient = clientFor(bob);
  });
  afterAll(() => platform?.close());
  afterEach(() => platform.openai.reset());

  async function upload(client: OpenAI, text: string, name = 'requests.jsonl') {
    return client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'batch' });
  }

  async function settled(
    client: OpenAI,
    id: string,
    statuses = ['completed', 'failed', 'cancelled', 'expired'],
  ) {
    let batch: OpenAI.Batches.Batch | undefined;
    await waitFor(
      async () => {
        batch = await client.batches.retrieve(id);
        return statuses.includes(batch.status);
      },
      () => `batch ${id} settled (last seen: ${JSON.stringify(batch)})`,
      60_000,
    );
    return batch!;
  }

  const contentOf = async (client: OpenAI, fileId: string) =>
    parseJsonl(await (await client.files.content(fileId)).text());

  /** The user messages the fake OpenAI was asked to answer, in arrival order. */
  const askedContents = () =>
    platform.openai.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .map((r) => (r.body as { messages: { content: string }[] }).messages.at(-1)!.content);

  it('runs a batch to output and error files in OpenAI format, through the official SDK', async () => {
    const lines = [
      request('first', 'say one'),
      request('second', 'say two'),
      request('offline', 'say three', 'offline/placeholder'),
      { custom_id: 'not-a-request', method: 'GET', url: '/v1/chat/completions', body: {} },
      request('unknown-model', 'say four', 'nowhere/no-such-model'),
      request('third', 'say five'),
    ];
    const file = await upload(aliceClient, jsonl(lines), 'nightly.jsonl');
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'nightly.jsonl',
      bytes: Buffer.byteLength(jsonl(lines)),
      status: 'processed',
    });
    expect(file.id).toMatch(/^file-[0-9a-f]{32}$/);
    await expect(aliceClient.files.retrieve(file.id)).resolves.toMatchObject({ id: file.id });
    expect(await (await aliceClient.files.content(file.id)).text()).toBe(jsonl(lines));

    const created = await aliceClient.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { purpose: 'nightly eval' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
      completion_window: '24h',
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      errors: null,
      metadata: { purpose: 'nightly eval' },
      request_counts: { total: 0, completed: 0, failed: 0 },
    });
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(created.expires_at! - created.created_at).toBe(24 * 3600);

    const batch = await settled(aliceClient, created.id);
    expect(batch).toMatchObject({
      status: 'completed',
      request_counts: { total: 6, completed: 4, failed: 2 },
    });
    for (const stamp of ['in_progress_at', 'finalizing_at', 'completed_at'] as const)
      expect(batch[stamp]).toEqual(expect.any(Number));
    expect(batch.failed_at).toBeNull();

    const output = await contentOf(aliceClient, batch.output_file_id!);
    expect(output.map((l) => l.custom_id)).toEqual(['first', 'second', 'offline', 'third']);
    for (const line of output) {
      expect(line).toMatchObject({
        id: expect.stringMatching(/^batch_req_/),
        error: null,
        response: {
          status_code: 200,
          request_id: expect.any(String),
          body: {
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
          },
        },
      });
    }
    expect(output[0].response.body.model).toBe('openai/gpt-4o-mini');
    expect(output[0].response.body.choices[0].message.content).toBe(
      'This is a scripted reply from the fake OpenAI server.',
    );
    expect(output[2].response.body.choices[0].message.content.toLowerCase()).toContain('offline');
    // The three openai/ lines went to the provider, each once.
    expect(askedContents().sort()).toEqual(['say five', 'say one', 'say two']);

    const errors = await contentOf(aliceClient, batch.error_file_id!);
    expect(errors).toEqual([
      {
        id: expect.stringMatching(/^batch_req_/),
        custom_id: 'not-a-request',
        response: null,
        error: { code: 'invalid_request', message: expect.stringContaining('method must be POST') },
      },
      {
        id: expect.stringMatching(/^batch_req_/),
        custom_id: 'unknown-model',
        response: {
          status_code: 404,
          request_id: expect.any(String),
          body: {
            error: expect.objectContaining({ code: 'model_not_found', type: 'invalid_request_error' }),
          },
        },
        error: null,
      },
    ]);

    // Output files are files of the caller's, listed beside the upload.
    const outputFile = await aliceClient.files.retrieve(batch.output_file_id!);
    expect(outputFile).toMatchObject({ purpose: 'batch_output', filename: `${batch.id}_output.jsonl` });
    const files = [];
    for await (const f of aliceClient.files.list()) files.push(f.id);
    expect(files).toEqual(expect.arrayContaining([file.id, batch.output_file_id, batch.error_file_id]));

    const listed = [];
    for await (const b of aliceClient.batches.list({ limit: 1 })) listed.push(b.id);
    expect(listed).toContain(batch.id);
  });

  it('pages batches with after and limit, newest first', async () => {
    const file = await upload(bobClient, jsonl([request('only', 'hello', 'offline/placeholder')]));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await bobClient.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      ids.push(created.id);
    }
    const first = await bobClient.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const second = await bobClient.batches.list({ limit: 2, after: ids[1] });
    expect(second.data.map((b) => b.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);
    for (const id of ids) await settled(bobClient, id);
  });

  it('refuses bad files whole and keeps nothing of them', async () => {
    const carol = await registerUser(platform.gateway.baseUrl);
    const client = clientFor(carol);
    const refusals: [string, () => Promise<unknown>, number, RegExp][] = [
      ['not JSONL', () => upload(client, 'this is not json\n'), 400, /not valid JSON/],
      ['a line that is an array', () => upload(client, '[1,2]\n'), 400, /not a JSON object/],
      ['an empty file', () => upload(client, '\n\n'), 400, /no requests/],
      [
        'a repeated custom_id',
        () => upload(client, jsonl([request('same', 'a'), request('same', 'b')])),
        400,
        /repeats the custom_id of line 1/,
      ],
      [
        'a file over the limit',
        () => upload(client, jsonl([request('big', 'x'.repeat(FILE_LIMIT))])),
        413,
        /larger than allowed/,
      ],
      [
        'a purpose other than batch',
        async () =>
          client.files.create({
            file: await toFile(Buffer.from(jsonl([request('a', 'b')])), 'x.jsonl'),
            purpose: 'fine-tune',
          }),
        400,
        /purpose/,
      ],
    ];
    for (const [what, attempt, status, message] of refusals) {
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect({ what, status: (error as { status?: number })?.status }).toEqual({ what, status });
      expect((error as Error).message).toMatch(message);
    }
    const invalidUtf8 = await fetch(`${platform.gateway.baseUrl}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carol.accessToken}` },
      body: (() => {
        const form = new FormData();
        form.append('purpose', 'batch');
        form.append('file', new Blob([new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])]), 'bad.jsonl');
        return form;
      })(),
    });
    expect(invalidUtf8.status).toBe(400);
    expect((await json(invalidUtf8)).error.message).toMatch(/UTF-8/);

    const page = await client.files.list();
    expect(page.data).toEqual([]);

    // A batch over a file that is not there, or with an endpoint or window we do not serve.
    const unknownFile = `file-${'0'.repeat(32)}`;
    await expect(
      client.batches.create({
        input_file_id: unknownFile,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 404 });
    const file = await upload(client, jsonl([request('a', 'b', 'offline/placeholder')]));
    await expect(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '1h' as '24h',
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.retrieve('batch_not-an-id')).rejects.toMatchObject({ status: 400 });
    await expect(client.files.retrieve(unknownFile)).rejects.toMatchObject({ status: 404 });
    expect((await client.batches.list()).data).toEqual([]);
  });

  it("never shows, hands out, cancels or deletes another user's files and batches", async () => {
    const file = await upload(aliceClient, jsonl([request('mine', 'private', 'offline/placeholder')]));
    const batch = await aliceClient.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await expect(bobClient.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(bobClient.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(bobClient.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(bobClient.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(bobClient.batches.cancel(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      bobClient.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 404 });
    const bobsFiles = (await bobClient.files.list()).data.map((f) => f.id);
    const bobsBatches = (await bobClient.batches.list()).data.map((b) => b.id);
    expect(bobsFiles).not.toContain(file.id);
    expect(bobsBatches).not.toContain(batch.id);

    const done = await settled(aliceClient, batch.id);
    expect(done.status).toBe('completed');
    await expect(bobClient.files.content(done.output_file_id!)).rejects.toMatchObject({ status: 404 });
    // Still Alice's, whole; then gone for her too once she deletes it.
    await expect(aliceClient.files.retrieve(file.id)).resolves.toMatchObject({ id: file.id });
    await expect(aliceClient.files.delete(file.id)).resolves.toEqual({
      id: file.id,
      object: 'file',
      deleted: true,
    });
    await expect(aliceClient.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(aliceClient.files.content(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('cancels a running batch: lines in flight stop, the finished ones are in the output', async () => {
    platform.openai.setBehavior(holdWhereAsked);
    const lines = [
      request('a', 'quick a'),
      request('b', 'quick b'),
      request('c', 'quick c'),
      request('d', 'hold d'),
      request('e', 'hold e'),
      request('f', 'quick f'),
    ];
    const file = await upload(aliceClient, jsonl(lines));
    const batch = await aliceClient.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    // Lines run in order, two at a time: a, b, c answer; d and e stall and hold both places.
    await waitFor(
      async () => {
        const now = await aliceClient.batches.retrieve(batch.id);
        return now.request_counts?.completed === 3 && askedContents().includes('hold e');
      },
      () => `three lines done and two stalled (asked: ${askedContents().join(', ')})`,
    );
    const cancelling = await aliceClient.batches.cancel(batch.id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const cancelled = await settled(aliceClient, batch.id);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      request_counts: { total: 6, completed: 3, failed: 0 },
      cancelling_at: expect.any(Number),
      cancelled_at: expect.any(Number),
    });
    const output = await contentOf(aliceClient, cancelled.output_file_id!);
    expect(output.map((l) => l.custom_id)).toEqual(['a', 'b', 'c']);
    expect(askedContents()).not.toContain('quick f');
    // Cancelling again answers the batch as it stands; a finished batch cannot be cancelled.
    await expect(aliceClient.batches.cancel(batch.id)).resolves.toMatchObject({ status: 'cancelled' });
    const other = await upload(aliceClient, jsonl([request('x', 'y', 'offline/placeholder')]));
    const finished = await aliceClient.batches.create({
      input_file_id: other.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await settled(aliceClient, finished.id);
    await expect(aliceClient.batches.cancel(finished.id)).rejects.toMatchObject({ status: 409 });
  });

  it('resumes a batch whose worker died without running its finished lines again', async () => {
    platform.openai.setBehavior(holdWhereAsked);
    const lines = Array.from({ length: 8 }, (_, i) =>
      request(`line-${i + 1}`, i === 4 || i === 5 ? `hold ${i + 1}` : `go ${i + 1}`),
    );
    const file = await upload(aliceClient, jsonl(lines));
    const batch = await aliceClient.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await waitFor(
      async () => {
        const now = await aliceClient.batches.retrieve(batch.id);
        return now.request_counts?.completed === 4 && askedContents().includes('hold 6');
      },
      () => `four lines done and two stalled (asked: ${askedContents().join(', ')})`,
    );
    platform.openai.setBehavior({ kind: 'answer' });
    await platform.restartMediaGen({ kill: true });

    const done = await settled(aliceClient, batch.id);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 8, completed: 8, failed: 0 },
    });
    const output = await contentOf(aliceClient, done.output_file_id!);
    expect(output.map((l) => l.custom_id)).toEqual(lines.map((l) => l.custom_id));
    const asked = askedContents();
    // The four finished before the crash were asked once; only the two in flight were asked again.
    for (const n of [1, 2, 3, 4, 7, 8]) expect(asked.filter((c) => c === `go ${n}`)).toHaveLength(1);
    for (const n of [5, 6]) expect(asked.filter((c) => c === `hold ${n}`)).toHaveLength(2);
  });

  it('answers the files and batches routes with 401 without credentials', async () => {
    for (const path of ['/v1/files', '/v1/batches']) {
      const response = await fetch(`${platform.gateway.baseUrl}${path}`);
      expect(response.status).toBe(401);
    }
    const anonymous = await api(platform.gateway.baseUrl, 'not-a-token')('/v1/batches');
    expect(anonymous.status).toBe(401);
  });
});
