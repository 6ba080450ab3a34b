export interface EmbeddingBatchLimits {
  /** Texts per request. */
  readonly maxInputs: number;
  /** Estimated tokens per request (see `approximateTokens`). */
  readonly maxApproximateTokens: number;
}

/**
 * A cheap upper-side estimate of a text's tokens: about 4 characters a token in English, 3 here to
 * leave room for other languages and code. Only used to size requests; the provider counts for billing.
 */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

/** Splits texts, in order, into requests that respect both limits (a text over the token limit goes alone). */
export function planEmbeddingBatches(texts: readonly string[], limits: EmbeddingBatchLimits): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const text of texts) {
    const size = approximateTokens(text);
    if (
      current.length > 0 &&
      (current.length >= limits.maxInputs || tokens + size > limits.maxApproximateTokens)
    ) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(text);
    tokens += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
