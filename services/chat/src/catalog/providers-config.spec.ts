import type { ChatConfig } from '../config';
import { buildProviderRegistry } from './build-provider-registry';
import { providersConfigFrom, type ProviderSettings } from './providers-config';

// Compile-time check: the chat service config carries every field read here, under the same names.
const _fromChatConfig = (config: ChatConfig): ProviderSettings => config;

const base: ProviderSettings = { OFFLINE_TOKEN_DELAY_MS: 15, PROVIDER_TIMEOUT_MS: 60_000 };

describe('providersConfigFrom', () => {
  it('maps the environment names to the provider config', () => {
    const config = providersConfigFrom(
      {
        ...base,
        OPENAI_API_KEY: 'sk-o',
        OPENAI_BASE_URL: 'http://proxy.internal/v1',
        ANTHROPIC_API_KEY: 'sk-a',
        GROQ_API_KEY: 'gsk',
        OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
        VLLM_BASE_URL: 'http://10.0.0.9:8000/v1',
        VLLM_API_KEY: 'vk',
        CHAT_DEFAULT_MODEL: 'anthropic/claude-sonnet-4-5',
      },
      {},
    );

    expect(config).toEqual({
      openai: { apiKey: 'sk-o', baseUrl: 'http://proxy.internal/v1' },
      anthropic: { apiKey: 'sk-a', baseUrl: undefined },
      presets: {
        groq: { apiKey: 'gsk' },
        deepseek: { apiKey: undefined },
        xai: { apiKey: undefined },
        ollama: { baseUrl: 'http://127.0.0.1:11434/v1' },
        vllm: { baseUrl: 'http://10.0.0.9:8000/v1', apiKey: 'vk' },
      },
      compatible: [],
      defaultModel: 'anthropic/claude-sonnet-4-5',
      offlineTokenDelayMs: 15,
      requestTimeoutMs: 60_000,
    });
  });

  it('reads user-defined servers with their keys from env, ready for the registry builder', () => {
    const config = providersConfigFrom(
      {
        ...base,
        XAI_API_KEY: 'xk',
        CHAT_OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([
          {
            id: 'lab',
            baseUrl: 'http://10.0.0.7:8000/v1',
            apiKeyEnv: 'LAB_KEY',
            models: [{ name: 'mixtral', contextWindow: 32_768, maxOutputTokens: 4_096 }],
          },
        ]),
      },
      { LAB_KEY: 'lk' },
    );
    const { catalog } = buildProviderRegistry(config);

    expect(catalog.find('lab/mixtral')?.available).toBe(true);
    expect(catalog.find('xai/grok-4')?.available).toBe(true);
    expect(catalog.find('openai/gpt-4o')?.available).toBe(false);
    expect(catalog.defaultModelId()).toBe('xai/grok-3-mini');
  });

  it('fails clearly on a malformed provider list', () => {
    expect(() => providersConfigFrom({ ...base, CHAT_OPENAI_COMPATIBLE_PROVIDERS: '[' }, {})).toThrow(
      /CHAT_OPENAI_COMPATIBLE_PROVIDERS is not valid JSON/,
    );
  });
});
