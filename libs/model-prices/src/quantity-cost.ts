import type { ModelPrice } from './model-prices';

/** What a call consumed, in the units prices are quoted in; absent means none. */
export interface PricedQuantities {
  inputTokens?: number;
  outputTokens?: number;
  /** The part of `inputTokens` read from the provider's prompt cache. */
  cachedTokens?: number;
  characters?: number;
  seconds?: number;
  images?: number;
}

/** USD for the quantities at the model's unit prices, rounded to the ledger's 8 decimals. */
export function costOfQuantities(price: ModelPrice, q: PricedQuantities): number {
  const inputTokens = q.inputTokens ?? 0;
  const cachedTokens = Math.min(q.cachedTokens ?? 0, inputTokens);
  const usd =
    (inputTokens - cachedTokens) * price.perInputToken +
    cachedTokens * price.perCachedInputToken +
    (q.outputTokens ?? 0) * price.perOutputToken +
    (q.characters ?? 0) * price.perCharacter +
    (q.seconds ?? 0) * price.perSecond +
    (q.images ?? 0) * price.perImage;
  return Number(usd.toFixed(8));
}

/** A per-token price as USD per million tokens, without float noise (1.5e-7 → 0.15). */
export function perMillionTokens(perToken: number): number {
  return Number((perToken * 1e6).toPrecision(12));
}
