import type { CompatiblePresetId } from './compatible-presets';
import { parseCompatibleProviders, type CompatibleProviderConfig } from './compatible-provider-config';

export interface HostedProviderConfig {
  apiKey?: string;
  baseUrl?: string;
}

/** Everything the deployment says about text generation, already read from the environment. */
export interface ProvidersConfig {
  openai: HostedProviderConfig;
  anthropic: HostedProviderConfig;
  /** Named OpenAI-compatible servers: groq, deepseek and xai need `apiKey`; ollama and vllm need `baseUrl`. */
  presets: Partial<Record<CompatiblePresetId, HostedProviderConfig>>;
  /** User-defined OpenAI-compatible servers, from `parseCompatibleProviders`. */
  compatible: readonly CompatibleProviderConfig[];
  /** A model id; must be in the catalog and available. */
  defaultModel?: string;
  offlineTokenDelayMs: number;
  /** Per provider request, until the response starts (a stalled stream is the caller's watchdog's job). */
  requestTimeoutMs: number;
}

/** The service config fields that configure providers, under their environment variable names. */
export interface ProviderSettings {
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  GROQ_API_KEY?: string;
  DEEPSEEK_API_KEY?: string;
  XAI_API_KEY?: string;
  OLLAMA_BASE_URL?: string;
  VLLM_BASE_URL?: string;
  VLLM_API_KEY?: string;
  CHAT_OPENAI_COMPATIBLE_PROVIDERS?: string;
  CHAT_DEFAULT_MODEL?: string;
  OFFLINE_TOKEN_DELAY_MS: number;
  PROVIDER_TIMEOUT_MS: number;
}

/**
 * Maps the parsed service config to {@link ProvidersConfig}. `env` is only read for the key variables that
 * user-defined servers name (`apiKeyEnv`), which the service config cannot know in advance.
 */
export function providersConfigFrom(
  settings: ProviderSettings,
  env: Readonly<Record<string, string | undefined>>,
): ProvidersConfig {
  return {
    openai: { apiKey: settings.OPENAI_API_KEY, baseUrl: settings.OPENAI_BASE_URL },
    anthropic: { apiKey: settings.ANTHROPIC_API_KEY, baseUrl: settings.ANTHROPIC_BASE_URL },
    presets: {
      groq: { apiKey: settings.GROQ_API_KEY },
      deepseek: { apiKey: settings.DEEPSEEK_API_KEY },
      xai: { apiKey: settings.XAI_API_KEY },
      ollama: { baseUrl: settings.OLLAMA_BASE_URL },
      vllm: { baseUrl: settings.VLLM_BASE_URL, apiKey: settings.VLLM_API_KEY },
    },
    compatible: parseCompatibleProviders(settings.CHAT_OPENAI_COMPATIBLE_PROVIDERS, env),
    defaultModel: settings.CHAT_DEFAULT_MODEL,
    offlineTokenDelayMs: settings.OFFLINE_TOKEN_DELAY_MS,
    requestTimeoutMs: settings.PROVIDER_TIMEOUT_MS,
  };
}
