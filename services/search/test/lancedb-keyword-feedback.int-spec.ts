import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OfflineLexicalEmbedder } from '../src/embeddings/offline-lexical.embedder';
import type { ChunkIndex, IndexedChunk } from '../src/store/chunk-store.port';
import { NO_KEYWORD_FEEDBACK, type KeywordFeedback } from '../src/store/keyword-feedback';
import { LanceDbChunkStore } from '../src/store/lancedb/lancedb-chunk-store';

const embedder = new OfflineLexicalEmbedder(32);
const root = mkdtempSync(join(tmpdir(), 'conduit-lancedb-feedback-'));
const stores: LanceDbChunkStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  rmSync(root, { recursive: true, force: true });
});

const TEXTS: Record<string, string> = {
  // The best match of `flutter`: its other words are what feedback adds to the query.
  aero: 'aeroelastic flutter flutter transonic wings',
  // Equal for `flutter` alone (one occurrence, four words); only `wings` shares the best match's words.
  wings: 'flutter aeroelastic transonic wings',
  flag: 'flutter flag wind breeze',
  // Shares the best match's words but not the query's: never a keyword result.
  unrelated: 'aeroelastic transonic wings tunnel',
  // Chunks without any of these words, so that no word is in most chunks (BM25's IDF stays comparable).
  ...Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`other${i}`, 'pressure distributions measured on slender bodies']),
  ),
};

function chunkOf(documentId: string): IndexedChunk {
  const text = TEXTS[documentId]!;
  return {
    chunkId: `${documentId}:0`,
    documentId,
    userId: 'alice',
    collection: 'default',
    ordinal: 0,
    text,
    title: null,
    source: null,
    tags: [],
    dateMs: null,
    vector: embedder.embedOne(text),
  };
}

async function indexWith(name: string, keywordFeedback?: KeywordFeedback): Promise<ChunkIndex> {
  const store = await LanceDbChunkStore.open({
    path: join(root, name),
    ...(keywordFeedback ? { keywordFeedback } : {}),
  });
  stores.push(store);
  const index = await store.openIndex(embedder.space);
  await index.replaceDocuments(
    Object.keys(TEXTS).map((documentId) => ({
      userId: 'alice',
      documentId,
      chunks: [chunkOf(documentId)],
    })),
  );
  await index.optimize();
  return index;
}

const keyword = (index: ChunkIndex) =>
  index.search({ mode: 'keyword', text: 'flutter', topK: 10, filter: { userId: 'alice' } });

describe('LanceDB keyword search with pseudo-relevance feedback', () => {
  it('ranks a chunk that shares the best matches’ words above one that does not, among chunks with a query word', async () => {
    const hits = await keyword(await indexWith('default'));
    expect(hits.map((hit) => hit.chunk.documentId)).toEqual(['aero', 'wings', 'flag']);
    expect(hits[1]!.score).toBeGreaterThan(hits[2]!.score);
  });

  it('is plain BM25 when turned off: the two chunks tie', async () => {
    const hits = await keyword(await indexWith('off', NO_KEYWORD_FEEDBACK));
    const scoreOf = (id: string) => hits.find((hit) => hit.chunk.documentId === id)?.score;
    expect(hits.map((hit) => hit.chunk.documentId)).not.toContain('unrelated');
    expect(scoreOf('wings')).toBeCloseTo(scoreOf('flag')!, 5);
  });
});
