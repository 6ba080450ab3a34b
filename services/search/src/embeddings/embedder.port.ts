/**
 * Turns text into vectors. Every index is built for one embedding space (model and size); a new space
 * means a new index, filled in the background while the old one keeps serving.
 */
export interface EmbeddingSpace {
  /** Stable id naming the model and its settings, e.g. `openai/text-embedding-3-small@512` or `offline/lexical-v1@384`. */
  readonly id: string;
  readonly dimensions: number;
  /**
   * `semantic` for a learned model; `lexical` for the offline default, which hashes word and character
   * n-grams: it matches shared words and spellings, not meaning, and the API says so.
   */
  readonly kind: 'semantic' | 'lexical';
}

export interface EmbeddingBatch {
  /** One vector per input text, in input order, each `space.dimensions` long. */
  readonly vectors: Float32Array[];
  /** Tokens the provider counted (0 for the offline embedding): what metering records. */
  readonly inputTokens: number;
}

export type EmbeddingPurpose = 'document' | 'query';

export interface Embedder {
  readonly space: EmbeddingSpace;
  /** The model id metering and prices know it by (`openai/text-embedding-3-small`), null when free. */
  readonly meteredModel: string | null;
  /** Embeds texts, batching as the provider allows; `purpose` lets asymmetric models tell queries apart. */
  embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<EmbeddingBatch>;
}
