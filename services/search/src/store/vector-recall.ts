import type { ChunkFilter, ChunkHit } from './chunk-store.port';

/** A store's vector search, with the exact (exhaustive) search beside it as the reference. */
export interface NearestNeighbourSearch {
  nearest(
    vector: Float32Array,
    filter: ChunkFilter,
    topK: number,
    options?: { exact?: boolean },
  ): Promise<ChunkHit[]>;
}

export interface RecallMeasurement {
  /** Mean over queries of |default ∩ exact| / |exact| (a result tied with the exact k-th score counts as found). */
  readonly recall: number;
  readonly queries: number;
  /** The worst single query's recall. */
  readonly worst: number;
}

/** Scores closer than this are ties: which of two equally near chunks comes back is no miss. */
const TIE = 1e-6;

/**
 * Recall@k of the default vector search against exact search over a sample of queries: what the ANN
 * index (when one serves the query) loses. Used by the search-engine benchmark and its unit test.
 */
export async function measureRecallAtK(
  search: NearestNeighbourSearch,
  queries: readonly { vector: Float32Array; filter: ChunkFilter }[],
  k = 10,
): Promise<RecallMeasurement> {
  let total = 0;
  let worst = 1;
  let counted = 0;
  for (const { vector, filter } of queries) {
    const exact = await search.nearest(vector, filter, k, { exact: true });
    if (exact.length === 0) continue;
    const found = await search.nearest(vector, filter, k);
    const exactIds = new Set(exact.map((hit) => hit.chunk.chunkId));
    const kthScore = exact[exact.length - 1]?.score ?? Infinity;
    let hits = 0;
    for (const hit of found) if (exactIds.has(hit.chunk.chunkId) || hit.score >= kthScore - TIE) hits++;
    const recall = Math.min(1, hits / exact.length);
    total += recall;
    worst = Math.min(worst, recall);
    counted++;
  }
  return { recall: counted === 0 ? 1 : total / counted, queries: counted, worst: counted === 0 ? 1 : worst };
}
