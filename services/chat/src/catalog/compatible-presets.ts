import type { ModelDefinition } from './model-catalog';

/** A named OpenAI-compatible server this platform knows out of the box. */
export interface CompatiblePreset {
  /** Hosted services have a fixed URL; self-hosted ones are configured by giving theirs. */
  defaultBaseUrl: string | undefined;
  /** Hosted services need a key to count as configured; self-hosted ones may take none. */
  requiresApiKey: boolean;
  /** What an operator sets to enable it (shown when a model of it is requested but unavailable). */
  setupHint: string;
  models: readonly ModelDefinition[];
}

const FREE = { inputPerMTokUsd: 0, outputPerMTokUsd: 0, cachedInputPerMTokUsd: 0 };

/*
 * Prices: USD per million tokens, public list prices of late 2025 (groq.com/pricing, api-docs.deepseek.com
 * "Models & Pricing", docs.x.ai "Models and Pricing"). Providers without a cache discount for a model get
 * their input price as the cached price. Self-hosted servers cost nothing per token.
 */
export const COMPATIBLE_PRESETS = {
  groq: {
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    requiresApiKey: true,
    setupHint: 'set GROQ_API_KEY',
    models: [
      {
        id: 'groq/llama-3.1-8b-instant',
        provider: 'groq',
        name: 'Llama 3.1 8B Instant (Groq)',
        contextWindow: 131_072,
        maxOutputTokens: 131_072,
        pricing: { inputPerMTokUsd: 0.05, outputPerMTokUsd: 0.08, cachedInputPerMTokUsd: 0.05 },
        capabilities: ['streaming', 'tools', 'json'],
      },
      {
        id: 'groq/llama-3.3-70b-versatile',
        provider: 'groq',
        name: 'Llama 3.3 70B Versatile (Groq)',
        contextWindow: 131_072,
        maxOutputTokens: 32_768,
        pricing: { inputPerMTokUsd: 0.59, outputPerMTokUsd: 0.79, cachedInputPerMTokUsd: 0.59 },
        capabilities: ['streaming', 'tools', 'json'],
      },
    ],
  },
  deepseek: {
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    requiresApiKey: true,
    setupHint: 'set DEEPSEEK_API_KEY',
    // DeepSeek-V3.2-Exp prices from 2025-09-29; both endpoints share them.
    models: [
      {
        id: 'deepseek/deepseek-chat',
        provider: 'deepseek',
        name: 'DeepSeek V3.2 (non-thinking)',
        contextWindow: 131_072,
        maxOutputTokens: 8_192,
        pricing: { inputPerMTokUsd: 0.28, outputPerMTokUsd: 0.42, cachedInputPerMTokUsd: 0.028 },
        capabilities: ['streaming', 'tools', 'json'],
      },
      {
        id: 'deepseek/deepseek-reasoner',
        provider: 'deepseek',
        name: 'DeepSeek V3.2 (thinking)',
        contextWindow: 131_072,
        maxOutputTokens: 65_536,
        pricing: { inputPerMTokUsd: 0.28, outputPerMTokUsd: 0.42, cachedInputPerMTokUsd: 0.028 },
        capabilities: ['streaming', 'json'],
      },
    ],
  },
  xai: {
    defaultBaseUrl: 'https://api.x.ai/v1',
    requiresApiKey: true,
    setupHint: 'set XAI_API_KEY',
    // xAI publishes no output cap separate from the context window.
    models: [
      {
        id: 'xai/grok-3-mini',
        provider: 'xai',
        name: 'Grok 3 Mini',
        contextWindow: 131_072,
        maxOutputTokens: 131_072,
        pricing: { inputPerMTokUsd: 0.3, outputPerMTokUsd: 0.5, cachedInputPerMTokUsd: 0.075 },
        capabilities: ['streaming', 'tools', 'json'],
      },
      {
        id: 'xai/grok-4',
        provider: 'xai',
        name: 'Grok 4',
        contextWindow: 256_000,
        maxOutputTokens: 256_000,
        pricing: { inputPerMTokUsd: 3, outputPerMTokUsd: 15, cachedInputPerMTokUsd: 0.75 },
        capabilities: ['streaming', 'tools', 'vision', 'json'],
      },
    ],
  },
  ollama: {
    defaultBaseUrl: undefined,
    requiresApiKey: false,
    setupHint: 'set OLLAMA_BASE_URL, e.g. http://127.0.0.1:11434/v1',
    // The model's own window; Ollama truncates to its num_ctx setting (a few thousand tokens by default).
    models: [
      {
        id: 'ollama/llama3.2',
        provider: 'ollama',
        name: 'Llama 3.2 3B (Ollama)',
        contextWindow: 131_072,
        maxOutputTokens: 8_192,
        pricing: FREE,
        capabilities: ['streaming', 'tools', 'json'],
      },
    ],
  },
  vllm: {
    defaultBaseUrl: undefined,
    requiresApiKey: false,
    setupHint: 'set VLLM_BASE_URL (and VLLM_API_KEY if the server checks one)',
    // vLLM serves whatever it was started with; other models go in CHAT_OPENAI_COMPATIBLE_PROVIDERS.
    models: [
      {
        id: 'vllm/meta-llama/Llama-3.1-8B-Instruct',
        provider: 'vllm',
        name: 'Llama 3.1 8B Instruct (vLLM)',
        contextWindow: 131_072,
        maxOutputTokens: 8_192,
        pricing: FREE,
        capabilities: ['streaming'],
      },
    ],
  },
} satisfies Record<string, CompatiblePreset>;

export type CompatiblePresetId = keyof typeof COMPATIBLE_PRESETS;

export const COMPATIBLE_PRESET_IDS = Object.keys(COMPATIBLE_PRESETS) as CompatiblePresetId[];
