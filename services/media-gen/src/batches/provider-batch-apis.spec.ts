import {
  startFakeAnthropicBatches,
  startFakeOpenAIBatches,
  type FakeAnthropicBatchesServer,
  type FakeOpenAIBatchesServer,
} from '@conduit/testing';
import { AnthropicBatchApi } from './anthropic-batch.api';
import { ProviderBatchRefused, type ProviderBatchApi, type ProviderBatchResult } from './batch-provider.port';
import { OpenAiBatchApi } from './openai-batch.api';

const KEY = 'sk-batch-test';

const request = (line: number, model: string, content: string, system?: string) => ({
  customId: `line-${line}`,
  providerModel: model,
  body: {
    model: `provider/${model}`,
    messages: [
      ...(system ? [{ role: 'system' as const, content: system }] : []),
      { role: 'user' as const, content },
    ],
    stream: false,
    max_tokens: 20,
  },
});

async function collect(results: AsyncIterable<ProviderBatchResult>) {
  const all: ProviderBatchResult[] = [];
  for await (const result of results) all.push(result);
  return all.sort((a, b) => a.customId.localeCompare(b.customId));
}

describe.each([
  [
    'OpenAI Batch API',
    async () => {
      const fake = await startFakeOpenAIBatches({ apiKey: KEY });
      const api = (key: string) => new OpenAiBatchApi({ apiKey: key, baseURL: fake.url, timeoutMs: 5_000 });
      return { fake, api };
    },
  ],
  [
    'Anthropic Message Batches',
    async () => {
      const fake = await startFakeAnthropicBatches({ apiKey: KEY });
      const api = (key: string) =>
        new AnthropicBatchApi({ apiKey: key, baseURL: fake.url, timeoutMs: 5_000 });
      return { fake, api };
    },
  ],
])('%s through the official SDK', (_name, start) => {
  let fake: FakeOpenAIBatchesServer | FakeAnthropicBatchesServer;
  let api: (key: string) => ProviderBatchApi;
  beforeEach(async () => {
    ({ fake, api } = await start());
  });
  afterEach(() => fake.close());

  it('submits the lines as one batch, polls it to its end and reads every answer back', async () => {
    const client = api(KEY);
    fake.hold();
    const id = await client.submit(
      [
        request(1, 'small', 'say one', 'Be brief.'),
        request(2, 'small', 'say two'),
        request(3, 'unavailable', 'x'),
      ],
      'batch_ref',
    );
    expect(fake.batches).toHaveLength(1);
    expect(await client.hasEnded(id)).toBe(false);
    expect(await client.hasEnded(id)).toBe(false);
    fake.release();
    let ended = false;
    for (let polls = 0; polls < 5 && !ended; polls++) ended = await client.hasEnded(id);
    expect(ended).toBe(true);
    const results = await collect(client.results(id));
    expect(results).toEqual([
      {
        customId: 'line-1',
        type: 'succeeded',
        content: 'Batch answer to: say one',
        finishReason: 'stop',
        usage: { inputTokens: 4, outputTokens: 5, cachedTokens: 0, estimated: false },
      },
      expect.objectContaining({ customId: 'line-2', type: 'succeeded', content: 'Batch answer to: say two' }),
      {
        customId: 'line-3',
        type: 'failed',
        error: { code: 'UNKNOWN_MODEL', message: expect.any(String) },
      },
    ]);
  });

  it('cancels a batch at the provider', async () => {
    const client = api(KEY);
    fake.hold();
    const id = await client.submit([request(1, 'small', 'hello')], 'batch_ref');
    await client.cancel(id);
    expect(fake.batches[0]?.cancelRequested).toBe(true);
  });

  it('answers a bad key with a refusal no retry fixes', async () => {
    const refused = api('sk-wrong').submit([request(1, 'small', 'hello')], 'batch_ref');
    await expect(refused).rejects.toBeInstanceOf(ProviderBatchRefused);
    await expect(refused).rejects.toMatchObject({ error: { code: 'PROVIDER_AUTH_FAILED' } });
  });
});
