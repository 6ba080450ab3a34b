import type { ChunkHit } from './chunk-store.port';
import { measureRecallAtK, type NearestNeighbourSearch } from './vector-recall';

const hit = (chunkId: string, score: number): ChunkHit => ({
  chunk: {
    chunkId,
    documentId: 'd',
    userId: 'u',
    collection: 'c',
    ordinal: 0,
    text: '',
    title: null,
    source: null,
    tags: [],
    dateMs: null,
  },
  score,
});

const searchGiving = (exact: ChunkHit[], approximate: ChunkHit[]): NearestNeighbourSearch => ({
  nearest: (_vector, _filter, topK, options) =>
    Promise.resolve((options?.exact ? exact : approximate).slice(0, topK)),
});

const queries = [{ vector: new Float32Array([1, 0]), filter: { userId: 'u' } }];

describe('measureRecallAtK', () => {
  it('is 1 when the default search finds what exact search finds', async () => {
    const hits = [hit('a', 0.9), hit('b', 0.8)];
    await expect(measureRecallAtK(searchGiving(hits, hits), queries, 2)).resolves.toEqual({
      recall: 1,
      queries: 1,
      worst: 1,
    });
  });

  it('counts the share of the exact top k found', async () => {
    const exact = [hit('a', 0.9), hit('b', 0.8), hit('c', 0.7), hit('d', 0.6)];
    const approximate = [hit('a', 0.9), hit('c', 0.7), hit('x', 0.5), hit('y', 0.4)];
    await expect(measureRecallAtK(searchGiving(exact, approximate), queries, 4)).resolves.toMatchObject({
      recall: 0.5,
    });
  });

  it('counts a result tied with the exact k-th score as found', async () => {
    const exact = [hit('a', 0.9), hit('b', 0.5)];
    const approximate = [hit('a', 0.9), hit('twin-of-b', 0.5)];
    await expect(measureRecallAtK(searchGiving(exact, approximate), queries, 2)).resolves.toMatchObject({
      recall: 1,
    });
  });

  it('skips queries exact search finds nothing for', async () => {
    await expect(measureRecallAtK(searchGiving([], []), queries)).resolves.toEqual({
      recall: 1,
      queries: 0,
      worst: 1,
    });
  });
});
