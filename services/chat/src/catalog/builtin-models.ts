import { OFFLINE_MODEL_ID, OFFLINE_PROVIDER_ID } from '../providers/offline.provider';
import type { ModelDefinition } from './model-catalog';
import { pricedModel } from './priced-model';

/*
 * Context windows, output limits and prices come from the model price catalog (libs/model-prices, with
 * its sources). Within each provider the cheapest model comes first: with no CHAT_DEFAULT_MODEL it
 * becomes the default.
 */

export const OPENAI_MODELS: readonly ModelDefinition[] = [
  pricedModel({
    id: 'openai/gpt-4o-mini',
    provider: 'openai',
    name: 'GPT-4o mini',
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  }),
  pricedModel({
    id: 'openai/gpt-4.1-mini',
    provider: 'openai',
    name: 'GPT-4.1 mini',
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  }),
  pricedModel({
    id: 'openai/gpt-4.1',
    provider: 'openai',
    name: 'GPT-4.1',
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  }),
  pricedModel({
    id: 'openai/gpt-4o',
    provider: 'openai',
    name: 'GPT-4o',
    capabilities: ['streaming', 'tools', 'vision', 'json'],
  }),
];

export const ANTHROPIC_MODELS: readonly ModelDefinition[] = [
  pricedModel({
    id: 'anthropic/claude-haiku-4-5',
    provider: 'anthropic',
    name: 'Claude Haiku 4.5',
    capabilities: ['streaming', 'tools', 'vision'],
  }),
  pricedModel({
    id: 'anthropic/claude-sonnet-4-5',
    provider: 'anthropic',
    name: 'Claude Sonnet 4.5',
    capabilities: ['streaming', 'tools', 'vision'],
  }),
  pricedModel({
    id: 'anthropic/claude-opus-4-1',
    provider: 'anthropic',
    name: 'Claude Opus 4.1',
    capabilities: ['streaming', 'tools', 'vision'],
  }),
];

/** Costs nothing and generates nothing: see OfflineProvider. */
export const OFFLINE_MODEL: ModelDefinition = pricedModel({
  id: OFFLINE_MODEL_ID,
  provider: OFFLINE_PROVIDER_ID,
  name: 'Offline placeholder (not a language model)',
  capabilities: ['streaming', 'offline'],
});
