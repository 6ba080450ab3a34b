import { OFFLINE_MODEL_ID, OFFLINE_PROVIDER_ID } from '../providers/offline.provider';
import type { ModelDefinition } from './model-catalog';

/*
 * Public list prices in USD per million tokens, standard (non-batch) tier, as published in 2025.
 * Sources: platform.openai.com/docs/pricing and docs.anthropic.com/en/docs/about-claude/pricing (and the
 * models overview pages for context windows and output limits). Cached input is OpenAI's "cached input"
 * and Anthropic's "cache hits" price; Anthropic's cache writes (1.25x input) are billed here as input.
 * Within each provider the cheapest model comes first: with no CHAT_DEFAULT_MODEL it becomes the default.
 */

export const OPENAI_MODELS: readonly ModelDefinition[] = [
  {
    id: 'openai/gpt-4o-mini',
    provider: 'openai',
    name: 'GPT-4o mini',
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6, cachedInputPerMTokUsd: 0.075 },
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  },
  {
    id: 'openai/gpt-4.1-mini',
    provider: 'openai',
    name: 'GPT-4.1 mini',
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { inputPerMTokUsd: 0.4, outputPerMTokUsd: 1.6, cachedInputPerMTokUsd: 0.1 },
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  },
  {
    id: 'openai/gpt-4.1',
    provider: 'openai',
    name: 'GPT-4.1',
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { inputPerMTokUsd: 2, outputPerMTokUsd: 8, cachedInputPerMTokUsd: 0.5 },
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  },
  {
    id: 'openai/gpt-4o',
    provider: 'openai',
    name: 'GPT-4o',
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: { inputPerMTokUsd: 2.5, outputPerMTokUsd: 10, cachedInputPerMTokUsd: 1.25 },
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  },
];

export const ANTHROPIC_MODELS: readonly ModelDefinition[] = [
  {
    id: 'anthropic/claude-haiku-4-5',
    provider: 'anthropic',
    name: 'Claude Haiku 4.5',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: { inputPerMTokUsd: 1, outputPerMTokUsd: 5, cachedInputPerMTokUsd: 0.1 },
    capabilities: ['streaming', 'tools', 'vision'],
  },
  {
    id: 'anthropic/claude-sonnet-4-5',
    provider: 'anthropic',
    name: 'Claude Sonnet 4.5',
    // 1M tokens only behind a beta header and at long-context prices, which this adapter does not send.
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: { inputPerMTokUsd: 3, outputPerMTokUsd: 15, cachedInputPerMTokUsd: 0.3 },
    capabilities: ['streaming', 'tools', 'vision'],
  },
  {
    id: 'anthropic/claude-opus-4-1',
    provider: 'anthropic',
    name: 'Claude Opus 4.1',
    contextWindow: 200_000,
    maxOutputTokens: 32_000,
    pricing: { inputPerMTokUsd: 15, outputPerMTokUsd: 75, cachedInputPerMTokUsd: 1.5 },
    capabilities: ['streaming', 'tools', 'vision'],
  },
];

/** Costs nothing and generates nothing: see OfflineProvider. */
export const OFFLINE_MODEL: ModelDefinition = {
  id: OFFLINE_MODEL_ID,
  provider: OFFLINE_PROVIDER_ID,
  name: 'Offline placeholder (not a language model)',
  contextWindow: 1_000_000,
  maxOutputTokens: 1_000,
  pricing: { inputPerMTokUsd: 0, outputPerMTokUsd: 0, cachedInputPerMTokUsd: 0 },
  capabilities: ['streaming', 'offline'],
};
