import type { ChunkHit } from './chunk-store.port';
import { fuseRankings } from './fusion';

const hit = (chunkId: string, score: number): ChunkHit => ({
  chunk: {
    chunkId,
    documentId: chunkId,
    userId: 'u',
    collection: 'c',
    ordinal: 0,
    text: chunkId,
    title: null,
    source: null,
    tags: [],
    dateMs: null,
  },
  score,
});
const ids = (hits: ChunkHit[]) => hits.map((h) => h.chunk.chunkId);

describe('fuseRankings', () => {
  const semantic = [hit('a', 0.9), hit('b', 0.8), hit('c', 0.1)];
  const keyword = [hit('c', 12), hit('b', 7), hit('d', 1)];

  it('sums reciprocal ranks: a chunk high in both lists wins', () => {
    const fused = fuseRankings(semantic, keyword, { kind: 'rrf', k: 60 }, 10);
    expect(ids(fused)).toEqual(['c', 'b', 'a', 'd']);
    expect(fused[0]?.score).toBeCloseTo(1 / 63 + 1 / 61, 10);
    expect(fused[1]?.score).toBeCloseTo(2 / 62, 10);
  });

  it('cuts at topK', () => {
    expect(fuseRankings(semantic, keyword, { kind: 'rrf', k: 60 }, 2)).toHaveLength(2);
  });

  it('weights min-max normalised scores', () => {
    expect(
      ids(fuseRankings(semantic, keyword, { kind: 'weighted', semanticWeight: 1 }, 4)).slice(0, 2),
    ).toEqual(['a', 'b']);
    expect(ids(fuseRankings(semantic, keyword, { kind: 'weighted', semanticWeight: 0 }, 1))).toEqual(['c']);
    const half = fuseRankings(semantic, keyword, { kind: 'weighted', semanticWeight: 0.5 }, 4);
    expect(half.find((h) => h.chunk.chunkId === 'b')?.score).toBeCloseTo(
      0.5 * (0.7 / 0.8) + 0.5 * (6 / 11),
      6,
    );
  });

  it('handles one empty side and single hits', () => {
    expect(ids(fuseRankings([], keyword, { kind: 'rrf', k: 1 }, 10))).toEqual(['c', 'b', 'd']);
    expect(
      fuseRankings([hit('a', 0.3)], [], { kind: 'weighted', semanticWeight: 0.4 }, 10)[0]?.score,
    ).toBeCloseTo(0.4);
  });
});
