import { DomainError, ModelInfoSchema } from '@conduit/contracts';
import { startFakeOpenAI, type FakeOpenAIServer } from '@conduit/testing';
import { AnthropicProvider } from '../providers/anthropic.provider';
import { OfflineProvider } from '../providers/offline.provider';
import { OpenAIProvider } from '../providers/openai.provider';
import { runStream, textOf } from '../providers/testing/collect-chunks';
import { buildProviderRegistry } from './build-provider-registry';
import { parseCompatibleProviders } from './compatible-provider-config';
import type { ProvidersConfig } from './providers-config';

function config(overrides: Partial<ProvidersConfig> = {}): ProvidersConfig {
  return {
    openai: {},
    anthropic: {},
    presets: {},
    compatible: [],
    offlineTokenDelayMs: 0,
    requestTimeoutMs: 5_000,
    ...overrides,
  };
}

function domainErrorOf(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('buildProviderRegistry', () => {
  it('with no keys, offers only the offline placeholder, and makes it the default', () => {
    const { catalog, registry } = buildProviderRegistry(config());

    const available = catalog.list().filter((model) => model.available);
    expect(available.map((model) => model.id)).toEqual(['offline/placeholder']);
    expect(catalog.defaultModelId()).toBe('offline/placeholder');
    expect(registry.configuredIds()).toEqual(['offline']);

    const resolved = catalog.resolve('offline/placeholder');
    expect(resolved.provider).toBeInstanceOf(OfflineProvider);
    expect(resolved.providerModel).toBe('placeholder');
  });

  it('still lists the models it could offer, as unavailable, each a valid contract ModelInfo', () => {
    const models = buildProviderRegistry(config()).catalog.list();

    for (const model of models) expect(ModelInfoSchema.parse(model)).toEqual(model);
    const ids = models.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'openai/gpt-4o-mini',
        'openai/gpt-4o',
        'openai/gpt-4.1-mini',
        'openai/gpt-4.1',
        'anthropic/claude-sonnet-4-5',
        'anthropic/claude-haiku-4-5',
        'anthropic/claude-opus-4-1',
        'groq/llama-3.3-70b-versatile',
        'deepseek/deepseek-chat',
        'xai/grok-4',
        'ollama/llama3.2',
        'vllm/meta-llama/Llama-3.1-8B-Instruct',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(models.find((model) => model.id === 'openai/gpt-4o')).toMatchObject({
      available: false,
      pricing: { inputPerMTokUsd: 2.5, outputPerMTokUsd: 10, cachedInputPerMTokUsd: 1.25 },
    });
  });

  it('answers MODEL_UNAVAILABLE with what to configure for a known model, UNKNOWN_MODEL otherwise', () => {
    const { catalog } = buildProviderRegistry(config());

    const unavailable = domainErrorOf(() => catalog.resolve('anthropic/claude-sonnet-4-5'));
    expect(unavailable.code).toBe('MODEL_UNAVAILABLE');
    expect(unavailable.message).toContain('ANTHROPIC_API_KEY');

    expect(domainErrorOf(() => catalog.resolve('openai/gpt-9')).code).toBe('UNKNOWN_MODEL');
    expect(domainErrorOf(() => catalog.resolve('nobody/model')).toBody()).toEqual({
      code: 'UNKNOWN_MODEL',
      message: 'Unknown model "nobody/model"',
      details: { model: 'nobody/model' },
    });
  });

  it('picks the first available real model as default: OpenAI before Anthropic, cheapest first', () => {
    const both = buildProviderRegistry(config({ openai: { apiKey: 'sk-o' }, anthropic: { apiKey: 'sk-a' } }));
    const anthropicOnly = buildProviderRegistry(config({ anthropic: { apiKey: 'sk-a' } }));

    expect(both.catalog.defaultModelId()).toBe('openai/gpt-4o-mini');
    expect(anthropicOnly.catalog.defaultModelId()).toBe('anthropic/claude-haiku-4-5');
    expect(anthropicOnly.catalog.resolve('anthropic/claude-opus-4-1')).toMatchObject({
      providerModel: 'claude-opus-4-1',
      info: { available: true, contextWindow: 200_000 },
    });
    expect(anthropicOnly.catalog.resolve('anthropic/claude-opus-4-1').provider).toBeInstanceOf(
      AnthropicProvider,
    );
  });

  it('uses the configured default, and refuses one that is unknown or unavailable', () => {
    const keys = { openai: { apiKey: 'sk-o' }, anthropic: { apiKey: 'sk-a' } };

    expect(
      buildProviderRegistry(
        config({ ...keys, defaultModel: 'anthropic/claude-sonnet-4-5' }),
      ).catalog.defaultModel(),
    ).toMatchObject({ id: 'anthropic/claude-sonnet-4-5', available: true });
    expect(() => buildProviderRegistry(config({ ...keys, defaultModel: 'openai/gpt-9' }))).toThrow(
      /not in the catalog/,
    );
    expect(() => buildProviderRegistry(config({ defaultModel: 'openai/gpt-4o' }))).toThrow(/not available/);
  });

  it('treats blank keys as absent', () => {
    const { catalog } = buildProviderRegistry(
      config({ openai: { apiKey: '  ' }, presets: { groq: { apiKey: '' } } }),
    );

    expect(catalog.find('openai/gpt-4o-mini')?.available).toBe(false);
    expect(catalog.find('groq/llama-3.1-8b-instant')?.available).toBe(false);
  });

  it('configures hosted presets by key and self-hosted ones by base URL', () => {
    const { catalog, registry } = buildProviderRegistry(
      config({
        presets: {
          groq: { apiKey: 'gsk' },
          deepseek: {},
          ollama: { baseUrl: 'http://127.0.0.1:11434/v1' },
          vllm: { apiKey: 'only-a-key' },
        },
      }),
    );

    expect(registry.configuredIds()).toEqual(['groq', 'ollama', 'offline']);
    expect(catalog.defaultModelId()).toBe('groq/llama-3.1-8b-instant');
    expect(catalog.resolve('ollama/llama3.2').provider).toBeInstanceOf(OpenAIProvider);
    expect(domainErrorOf(() => catalog.resolve('vllm/meta-llama/Llama-3.1-8B-Instruct')).message).toContain(
      'VLLM_BASE_URL',
    );
    expect(domainErrorOf(() => catalog.resolve('deepseek/deepseek-chat')).message).toContain(
      'DEEPSEEK_API_KEY',
    );
  });

  it('adds user-defined servers, available once their key variable is set', () => {
    const json = JSON.stringify([
      {
        id: 'myllm',
        baseUrl: 'http://10.0.0.5:8000/v1',
        apiKeyEnv: 'MYLLM_KEY',
        models: [{ name: 'x', contextWindow: 32_768, maxOutputTokens: 4_096 }],
      },
    ]);
    const withKey = buildProviderRegistry(
      config({ compatible: parseCompatibleProviders(json, { MYLLM_KEY: 'k' }) }),
    );
    const withoutKey = buildProviderRegistry(config({ compatible: parseCompatibleProviders(json, {}) }));

    expect(withKey.catalog.resolve('myllm/x')).toMatchObject({
      providerModel: 'x',
      info: { available: true },
    });
    expect(withKey.catalog.defaultModelId()).toBe('myllm/x');
    expect(domainErrorOf(() => withoutKey.catalog.resolve('myllm/x')).message).toContain('MYLLM_KEY');
  });

  it('resolves model ids whose model part holds slashes', () => {
    const { catalog } = buildProviderRegistry(
      config({ presets: { vllm: { baseUrl: 'http://127.0.0.1:8000/v1' } } }),
    );

    expect(catalog.resolve('vllm/meta-llama/Llama-3.1-8B-Instruct').providerModel).toBe(
      'meta-llama/Llama-3.1-8B-Instruct',
    );
  });

  it('streams from the offline provider with the configured delay', async () => {
    const { catalog } = buildProviderRegistry(config({ offlineTokenDelayMs: 0 }));
    const { provider, providerModel } = catalog.resolve(catalog.defaultModelId());

    const { chunks } = await runStream(
      provider.stream({
        model: providerModel,
        messages: [{ role: 'user', content: 'hello there' }],
        params: {},
        signal: new AbortController().signal,
      }),
    );

    expect(textOf(chunks)).toContain('no language model is configured');
  });
});

describe('providers built from config, streaming from the fake OpenAI server', () => {
  let fake: FakeOpenAIServer;

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    await fake.close();
  });

  async function generate(setup: ReturnType<typeof buildProviderRegistry>, modelId: string) {
    const { provider, providerModel } = setup.catalog.resolve(modelId);
    return runStream(
      provider.stream({
        model: providerModel,
        messages: [{ role: 'user', content: 'hi' }],
        params: { maxTokens: 64 },
        signal: new AbortController().signal,
      }),
    );
  }

  it('sends OpenAI its own max_completion_tokens, and compatible servers max_tokens', async () => {
    const setup = buildProviderRegistry(
      config({ openai: { apiKey: 'sk-o', baseUrl: fake.url }, presets: { ollama: { baseUrl: fake.url } } }),
    );

    const openai = await generate(setup, 'openai/gpt-4.1-mini');
    const ollama = await generate(setup, 'ollama/llama3.2');

    expect(openai.chunks.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(ollama.chunks.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(fake.requests.map((request) => request.body?.model)).toEqual(['gpt-4.1-mini', 'llama3.2']);
    expect(fake.requests[0]?.body).toMatchObject({ max_completion_tokens: 64 });
    expect(fake.requests[1]?.body).toMatchObject({ max_tokens: 64 });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-o');
  });
});
