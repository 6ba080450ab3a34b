/** USD per unit of each quantity; a model's `ModelPrice` is one, and so is any custom model's. */
export interface UnitPrices {
  perInputToken: number;
  perOutputToken: number;
  /** Defaults to the input price. */
  perCachedInputToken?: number;
  perInputAudioToken?: number;
  perOutputAudioToken?: number;
  perCharacter?: number;
  perSecond?: number;
  perImage?: number;
}

/** What a call consumed, in the units prices are quoted in; absent means none. */
export interface PricedQuantities {
  inputTokens?: number;
  outputTokens?: number;
  /** The part of `inputTokens` read from the provider's prompt cache. */
  cachedTokens?: number;
  /** Audio tokens (realtime models), besides the text tokens counted above. */
  inputAudioTokens?: number;
  outputAudioTokens?: number;
  characters?: number;
  seconds?: number;
  images?: number;
}

/** USD for the quantities at the unit prices, unrounded (callers round as their ledger or ceiling needs). */
export function usdOfQuantities(prices: UnitPrices, q: PricedQuantities): number {
  const inputTokens = q.inputTokens ?? 0;
  const cachedTokens = Math.min(q.cachedTokens ?? 0, inputTokens);
  return (
    (inputTokens - cachedTokens) * prices.perInputToken +
    cachedTokens * (prices.perCachedInputToken ?? prices.perInputToken) +
    (q.outputTokens ?? 0) * prices.perOutputToken +
    (q.inputAudioTokens ?? 0) * (prices.perInputAudioToken ?? 0) +
    (q.outputAudioTokens ?? 0) * (prices.perOutputAudioToken ?? 0) +
    (q.characters ?? 0) * (prices.perCharacter ?? 0) +
    (q.seconds ?? 0) * (prices.perSecond ?? 0) +
    (q.images ?? 0) * (prices.perImage ?? 0)
  );
}

/** USD for the quantities at the unit prices, rounded to the ledger's 8 decimals. */
export function costOfQuantities(prices: UnitPrices, q: PricedQuantities): number {
  return Number(usdOfQuantities(prices, q).toFixed(8));
}

/** A per-token price as USD per million tokens, without float noise (1.5e-7 → 0.15). */
export function perMillionTokens(perToken: number): number {
  return Number((perToken * 1e6).toPrecision(12));
}
