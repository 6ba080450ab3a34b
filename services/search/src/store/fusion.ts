import type { ChunkHit, Fusion } from './chunk-store.port';

/** The fusion of hybrid queries that name none. */
export const DEFAULT_RRF_K = 60;

/**
 * Merges a semantic and a keyword ranking of the same query into one, best first, at most `topK`.
 *
 * - `rrf`: reciprocal-rank fusion, score = Σ 1 / (k + rank), rank from 1 in each list. Needs no score
 *   calibration, which is why it is the default.
 * - `weighted`: each list's scores are min-max normalised to [0, 1] (a lone hit counts 1), then
 *   `semanticWeight * semantic + (1 - semanticWeight) * keyword`; a chunk missing from a list gets 0 there.
 */
export function fuseRankings(
  semantic: readonly ChunkHit[],
  keyword: readonly ChunkHit[],
  fusion: Fusion,
  topK: number,
): ChunkHit[] {
  const fused = new Map<string, { hit: ChunkHit; score: number }>();
  const accumulate = (hits: readonly ChunkHit[], scoreOf: (hit: ChunkHit, rank: number) => number) => {
    hits.forEach((hit, index) => {
      const score = scoreOf(hit, index + 1);
      const entry = fused.get(hit.chunk.chunkId);
      if (entry) entry.score += score;
      else fused.set(hit.chunk.chunkId, { hit, score });
    });
  };
  switch (fusion.kind) {
    case 'rrf':
      accumulate(semantic, (_hit, rank) => 1 / (fusion.k + rank));
      accumulate(keyword, (_hit, rank) => 1 / (fusion.k + rank));
      break;
    case 'weighted': {
      const weight = Math.min(1, Math.max(0, fusion.semanticWeight));
      const semanticScore = normaliser(semantic);
      const keywordScore = normaliser(keyword);
      accumulate(semantic, (hit) => weight * semanticScore(hit.score));
      accumulate(keyword, (hit) => (1 - weight) * keywordScore(hit.score));
      break;
    }
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.hit.chunk.chunkId.localeCompare(b.hit.chunk.chunkId))
    .slice(0, topK)
    .map(({ hit, score }) => ({ chunk: hit.chunk, score }));
}

function normaliser(hits: readonly ChunkHit[]): (score: number) => number {
  let min = Infinity;
  let max = -Infinity;
  for (const { score } of hits) {
    if (score < min) min = score;
    if (score > max) max = score;
  }
  const range = max - min;
  return range > 0 ? (score) => (score - min) / range : () => 1;
}
