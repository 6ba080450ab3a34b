import OpenAI, { toFile } from 'openai';
import { BUILTIN_MODEL_PRICES } from '@conduit/model-prices';
import { waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { startBatchPlatform, type BatchPlatform } from './support/batch-platform';
import { api, json } from './support/platform';

const line = (customId: string, model: string, content: string) => ({
  custom_id: customId,
  method: 'POST',
  url: '/v1/chat/completions',
  body: {
    model,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content },
    ],
    max_tokens: 30,
  },
});

const parseJsonl = (text: string): any[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

/**
 * Batches whose models' providers have batch APIs: media-gen hands those lines to OpenAI's Batch API and
 * Anthropic's Message Batches (local servers speaking their protocols, driven by the official SDKs),
 * polls them, and meters their answers at the batch prices; other models' lines still run through chat.
 */
describe('batch completions through the providers’ batch APIs', () => {
  let platform: BatchPlatform;
  let alice: RegisteredUser;
  let client: OpenAI;

  beforeAll(async () => {
    platform = await startBatchPlatform({ providerBatches: true });
    alice = await registerUser(platform.gateway.baseUrl);
    client = new OpenAI({
      baseURL: `${platform.gateway.baseUrl}/v1`,
      apiKey: alice.accessToken,
      maxRetries: 0,
    });
  });
  afterAll(() => platform?.close());

  async function submit(lines: readonly unknown[]) {
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), 'mixed.jsonl'),
      purpose: 'batch',
    });
    return client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
  }

  async function settled(id: string) {
    let batch: OpenAI.Batches.Batch | undefined;
    await waitFor(
      async () => {
        batch = await client.batches.retrieve(id);
        return ['completed', 'failed', 'cancelled', 'expired'].includes(batch.status);
      },
      () => `batch ${id} settled (last seen: ${JSON.stringify(batch)})`,
      60_000,
    );
    return batch!;
  }

  it('sends each provider its own lines as one batch and meters them at half the list price', async () => {
    const created = await submit([
      line('o1', 'openai/gpt-4o-mini', 'first question'),
      line('a1', 'anthropic/claude-haiku-4-5', 'second question'),
      line('o2', 'openai/gpt-4o-mini', 'third question'),
      line('off', 'offline/placeholder', 'fourth question'),
    ]);
    const batch = await settled(created.id);
    expect(batch).toMatchObject({
      status: 'completed',
      request_counts: { total: 4, completed: 4, failed: 0 },
    });

    const { openaiBatches, anthropicBatches } = platform.providerBatches!;
    expect(openaiBatches.batches).toHaveLength(1);
    expect(openaiBatches.batches[0]!.lines.map((l) => [l.custom_id, l.body.model])).toEqual([
      ['line-1', 'gpt-4o-mini'],
      ['line-3', 'gpt-4o-mini'],
    ]);
    expect(anthropicBatches.batches).toHaveLength(1);
    expect(anthropicBatches.batches[0]!.requests[0]).toMatchObject({
      custom_id: 'line-2',
      params: { model: 'claude-haiku-4-5', system: 'Be brief.', max_tokens: 30 },
    });

    const output = parseJsonl(await (await client.files.content(batch.output_file_id!)).text());
    expect(output.map((l) => [l.custom_id, l.response.body.model])).toEqual([
      ['o1', 'openai/gpt-4o-mini'],
      ['a1', 'anthropic/claude-haiku-4-5'],
      ['o2', 'openai/gpt-4o-mini'],
      ['off', 'offline/placeholder'],
    ]);
    expect(output[0].response.body.choices[0].message.content).toBe('Batch answer to: first question');
    expect(output[1].response.body.choices[0].message.content).toBe('Batch answer to: second question');
    // "Be brief." and the question: 4 words in; "Batch answer to: …" 5 words out.
    expect(output[0].response.body.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5 });

    // Usage: each provider batch is one record at batch prices; the offline line is chat's, and free.
    const price = (model: string) => BUILTIN_MODEL_PRICES.get(model);
    const expected = {
      'openai/gpt-4o-mini':
        8 * price('openai/gpt-4o-mini').batch!.perInputToken +
        10 * price('openai/gpt-4o-mini').batch!.perOutputToken,
      'anthropic/claude-haiku-4-5':
        4 * price('anthropic/claude-haiku-4-5').batch!.perInputToken +
        5 * price('anthropic/claude-haiku-4-5').batch!.perOutputToken,
    };
    expect(price('openai/gpt-4o-mini').batch!.perInputToken).toBeCloseTo(
      price('openai/gpt-4o-mini').perInputToken / 2,
      15,
    );
    let usage: any;
    await waitFor(
      async () => {
        usage = await json(
          await api(platform.gateway.baseUrl, alice.accessToken)('/api/v1/usage?groupBy=model'),
        );
        return Object.keys(expected).every((m) => usage.byModel.some((row: any) => row.model === m));
      },
      () => `usage of both provider batches recorded (seen: ${JSON.stringify(usage)})`,
    );
    for (const [model, cost] of Object.entries(expected)) {
      const row = usage.byModel.find((r: any) => r.model === model);
      expect(row).toMatchObject({ requests: 1 });
      expect(row.costUsd).toBeCloseTo(cost, 8);
    }
  });

  it('writes what the provider refused to the error file', async () => {
    // The fake OpenAI account cannot use gpt-4.1 (see the platform): its batch answers that line 404.
    const created = await submit([
      line('ok', 'openai/gpt-4o-mini', 'fine'),
      line('refused', 'openai/gpt-4.1', 'not for you'),
    ]);
    const batch = await settled(created.id);
    expect(batch).toMatchObject({
      status: 'completed',
      request_counts: { total: 2, completed: 1, failed: 1 },
    });
    const errors = parseJsonl(await (await client.files.content(batch.error_file_id!)).text());
    expect(errors).toEqual([
      {
        id: expect.stringMatching(/^batch_req_/),
        custom_id: 'refused',
        response: {
          status_code: 404,
          request_id: expect.any(String),
          body: {
            error: expect.objectContaining({
              code: 'model_not_found',
              message: expect.stringContaining('gpt-4.1'),
            }),
          },
        },
        error: null,
      },
    ]);
  });

  it('cancels the provider’s batch when the batch is cancelled', async () => {
    const { openaiBatches } = platform.providerBatches!;
    openaiBatches.hold();
    try {
      const before = openaiBatches.batches.length;
      const created = await submit([line('held', 'openai/gpt-4o-mini', 'wait for me')]);
      await waitFor(() => openaiBatches.batches.length === before + 1, 'the provider batch submitted');
      await client.batches.cancel(created.id);
      const batch = await settled(created.id);
      expect(batch).toMatchObject({ status: 'cancelled', request_counts: { total: 1, completed: 0 } });
      await waitFor(() => openaiBatches.batches.at(-1)!.cancelRequested, 'the provider batch cancelled');
    } finally {
      openaiBatches.release();
    }
  });

  it('resumes polling the same provider batch after its worker died, without submitting it again', async () => {
    const { anthropicBatches } = platform.providerBatches!;
    anthropicBatches.hold();
    const before = anthropicBatches.batches.length;
    const created = await submit([line('slow', 'anthropic/claude-haiku-4-5', 'after a crash')]);
    await waitFor(() => anthropicBatches.batches.length === before + 1, 'the provider batch submitted');
    // The worker dies once it has stored the provider's batch id (a crash between the provider accepting
    // the batch and that write cannot know the batch was made, and would submit it again).
    await waitFor(
      async () => (await platform.storedProviderBatchIds(created.id)).length === 1,
      'the provider batch id stored',
    );
    await platform.restartMediaGen({ kill: true });
    anthropicBatches.release();
    const batch = await settled(created.id);
    expect(batch).toMatchObject({ status: 'completed', request_counts: { completed: 1 } });
    expect(anthropicBatches.batches).toHaveLength(before + 1);
  });
});
