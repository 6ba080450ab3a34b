import { BUILTIN_MODEL_PRICES, perMillionTokens } from '@conduit/model-prices';
import type { ModelDefinition } from './model-catalog';

/** A built-in model as chat describes it; its limits and prices come from the model price catalog. */
export type ModelDescription = Omit<ModelDefinition, 'contextWindow' | 'maxOutputTokens' | 'pricing'>;

export function pricedModel(description: ModelDescription): ModelDefinition {
  const price = BUILTIN_MODEL_PRICES.get(description.id);
  if (price.mode !== 'chat' || price.maxInputTokens === null || price.maxOutputTokens === null) {
    throw new Error(`the price catalog's entry for ${description.id} is not a chat model with token limits`);
  }
  return {
    ...description,
    contextWindow: price.maxInputTokens,
    maxOutputTokens: price.maxOutputTokens,
    pricing: {
      inputPerMTokUsd: perMillionTokens(price.perInputToken),
      outputPerMTokUsd: perMillionTokens(price.perOutputToken),
      cachedInputPerMTokUsd: perMillionTokens(price.perCachedInputToken),
    },
  };
}
