import type { ModelDefinition } from './model-catalog';
import { pricedModel } from './priced-model';

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

/* Context windows, output limits and prices come from the model price catalog (libs/model-prices). */
export const COMPATIBLE_PRESETS = {
  groq: {
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    requiresApiKey: true,
    setupHint: 'set GROQ_API_KEY',
    models: [
      pricedModel({
        id: 'groq/llama-3.1-8b-instant',
        provider: 'groq',
        name: 'Llama 3.1 8B Instant (Groq)',
        capabilities: ['streaming', 'tools', 'json'],
      }),
      pricedModel({
        id: 'groq/llama-3.3-70b-versatile',
        provider: 'groq',
        name: 'Llama 3.3 70B Versatile (Groq)',
        capabilities: ['streaming', 'tools', 'json'],
      }),
    ],
  },
  deepseek: {
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    requiresApiKey: true,
    setupHint: 'set DEEPSEEK_API_KEY',
    models: [
      pricedModel({
        id: 'deepseek/deepseek-chat',
        provider: 'deepseek',
        name: 'DeepSeek V3.2 (non-thinking)',
        capabilities: ['streaming', 'tools', 'json'],
      }),
      pricedModel({
        id: 'deepseek/deepseek-reasoner',
        provider: 'deepseek',
        name: 'DeepSeek V3.2 (thinking)',
        capabilities: ['streaming', 'json'],
      }),
    ],
  },
  xai: {
    defaultBaseUrl: 'https://api.x.ai/v1',
    requiresApiKey: true,
    setupHint: 'set XAI_API_KEY',
    // xAI publishes no output cap separate from the context window.
    models: [
      pricedModel({
        id: 'xai/grok-3-mini',
        provider: 'xai',
        name: 'Grok 3 Mini',
        capabilities: ['streaming', 'tools', 'json'],
      }),
      pricedModel({
        id: 'xai/grok-4',
        provider: 'xai',
        name: 'Grok 4',
        capabilities: ['streaming', 'tools', 'vision', 'json'],
      }),
    ],
  },
  ollama: {
    defaultBaseUrl: undefined,
    requiresApiKey: false,
    setupHint: 'set OLLAMA_BASE_URL, e.g. http://127.0.0.1:11434/v1',
    // The model's own window; Ollama truncates to its num_ctx setting (a few thousand tokens by default).
    models: [
      pricedModel({
        id: 'ollama/llama3.2',
        provider: 'ollama',
        name: 'Llama 3.2 3B (Ollama)',
        capabilities: ['streaming', 'tools', 'json'],
      }),
    ],
  },
  vllm: {
    defaultBaseUrl: undefined,
    requiresApiKey: false,
    setupHint: 'set VLLM_BASE_URL (and VLLM_API_KEY if the server checks one)',
    // vLLM serves whatever it was started with; other models go in CHAT_OPENAI_COMPATIBLE_PROVIDERS.
    models: [
      pricedModel({
        id: 'vllm/meta-llama/Llama-3.1-8B-Instruct',
        provider: 'vllm',
        name: 'Llama 3.1 8B Instruct (vLLM)',
        capabilities: ['streaming'],
      }),
    ],
  },
} satisfies Record<string, CompatiblePreset>;

export type CompatiblePresetId = keyof typeof COMPATIBLE_PRESETS;

export const COMPATIBLE_PRESET_IDS = Object.keys(COMPATIBLE_PRESETS) as CompatiblePresetId[];
