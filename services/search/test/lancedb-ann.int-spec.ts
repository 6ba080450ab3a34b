import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OfflineLexicalEmbedder } from '../src/embeddings/offline-lexical.embedder';
import type { IndexedChunk } from '../src/store/chunk-store.port';
import { LanceDbChunkStore } from '../src/store/lancedb/lancedb-chunk-store';
import { measureRecallAtK } from '../src/store/vector-recall';

const WORDS = (
  'boundary layer heat transfer shock wave pressure gradient supersonic flow plate wing cylinder ' +
  'turbulent laminar viscous compressible nozzle jet mach number flutter panel shell buckling load ' +
  'stress vibration frequency temperature skin friction drag lift model tunnel experiment theory'
).split(' ');

/** Deterministic pseudo-random texts (mulberry32), so the test sees the same corpus every run. */
function corpus(count: number, seed: number): string[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 30 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '),
  );
}

describe('LanceDB vector search past the ANN threshold', () => {
  const path = mkdtempSync(join(tmpdir(), 'conduit-lancedb-ann-'));
  const embedder = new OfflineLexicalEmbedder(64);
  const space = { id: 'offline/lexical-v1@64', dimensions: 64, kind: 'lexical' as const };
  let store: LanceDbChunkStore;

  beforeAll(async () => {
    store = await LanceDbChunkStore.open({ path, annMinRows: 600, optimizeEveryRows: 100_000 });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(path, { recursive: true, force: true });
  });

  it('builds the ANN index at the threshold, keeps recall@10 against exact search, and keeps users apart', async () => {
    const index = await store.openIndex(space);
    const chunksFor = (userId: string, texts: string[]): IndexedChunk[] =>
      texts.map((text, i) => ({
        chunkId: `${userId}-${i}`,
        documentId: `${userId}-doc-${Math.floor(i / 10)}`,
        userId,
        collection: 'default',
        ordinal: i % 10,
        text,
        title: null,
        source: null,
        tags: [],
        dateMs: null,
        vector: embedder.embedOne(text),
      }));
    const big = chunksFor('big', corpus(900, 1));
    const small = chunksFor('small', corpus(40, 2));
    const documents = [...big, ...small].reduce((byDocument, chunk) => {
      const list = byDocument.get(chunk.documentId) ?? [];
      list.push(chunk);
      return byDocument.set(chunk.documentId, list);
    }, new Map<string, IndexedChunk[]>());
    await index.replaceDocuments(
      [...documents].map(([documentId, chunks]) => ({ userId: chunks[0]?.userId ?? '', documentId, chunks })),
    );
    expect(index.hasAnnIndex).toBe(false);
    await index.optimize();
    expect(index.hasAnnIndex).toBe(true);

    const queries = corpus(30, 3).map((text) => ({
      vector: embedder.embedOne(text),
      filter: { userId: 'big' },
    }));
    const measured = await measureRecallAtK(index, queries, 10);
    expect(measured.queries).toBe(30);
    expect(measured.recall).toBeGreaterThanOrEqual(0.95);

    // A user below the threshold is searched exactly, and never sees the big user's chunks.
    const smallQueries = corpus(10, 4).map((text) => ({
      vector: embedder.embedOne(text),
      filter: { userId: 'small' },
    }));
    await expect(measureRecallAtK(index, smallQueries, 10)).resolves.toMatchObject({ recall: 1 });
    // A narrow filter on the big user still fills the limit (more partitions are probed when needed).
    const narrow = await index.search({
      mode: 'semantic',
      text: '',
      vector: queries[0]?.vector ?? new Float32Array(64),
      topK: 10,
      filter: { userId: 'big', documentIds: ['big-doc-3', 'big-doc-77'] },
    });
    expect(narrow).toHaveLength(10);
    expect(narrow.every((hit) => ['big-doc-3', 'big-doc-77'].includes(hit.chunk.documentId))).toBe(true);
    for (const { vector } of smallQueries) {
      const hits = await index.search({
        mode: 'semantic',
        text: '',
        vector,
        topK: 50,
        filter: { userId: 'small' },
      });
      expect(hits).toHaveLength(40);
      expect(hits.every((hit) => hit.chunk.userId === 'small')).toBe(true);
    }
  });
});
