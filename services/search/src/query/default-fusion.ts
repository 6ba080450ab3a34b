import type { EmbeddingSpace } from '../embeddings/embedder.port';
import type { Fusion } from '../store/chunk-store.port';

export interface DefaultFusionSettings {
  /** `rrf` or `weighted`; unset: by the embedding's kind (see defaultFusion). */
  readonly SEARCH_HYBRID_FUSION?: Fusion['kind'] | undefined;
  /** The semantic side's weight of weighted fusion; unset: by the embedding's kind. */
  readonly SEARCH_HYBRID_SEMANTIC_WEIGHT?: number | undefined;
  readonly SEARCH_RRF_K: number;
}

/**
 * The semantic side's weight in weighted fusion when none is configured. A learned embedding brings
 * evidence keyword search lacks (meaning, synonyms), so both sides count alike. A lexical embedding
 * sees the same words as keyword search, without its term weights (no IDF) and blurred by hashing:
 * its side should only reorder near-ties of the keyword ranking, hence a small weight.
 */
export const DEFAULT_SEMANTIC_WEIGHT: Record<EmbeddingSpace['kind'], number> = {
  semantic: 0.5,
  lexical: 0.2,
};

/**
 * The fusion of hybrid queries that name none. A learned embedding: reciprocal-rank fusion (needs no
 * score calibration, and both sides are worth as much). A lexical one: a weighted sum with the small
 * semantic weight above, since reciprocal-rank fusion cannot weigh one side below the other.
 */
export function defaultFusion(kind: EmbeddingSpace['kind'], settings: DefaultFusionSettings): Fusion {
  const fusionKind = settings.SEARCH_HYBRID_FUSION ?? (kind === 'lexical' ? 'weighted' : 'rrf');
  if (fusionKind === 'rrf') return { kind: 'rrf', k: settings.SEARCH_RRF_K };
  return {
    kind: 'weighted',
    semanticWeight: settings.SEARCH_HYBRID_SEMANTIC_WEIGHT ?? DEFAULT_SEMANTIC_WEIGHT[kind],
  };
}
