import { randomUUID } from 'node:crypto';
import type { EmbeddingSpace } from '../../src/embeddings/embedder.port';
import { OfflineLexicalEmbedder } from '../../src/embeddings/offline-lexical.embedder';
import type {
  ChunkFilter,
  ChunkHit,
  ChunkIndex,
  ChunkQuery,
  ChunkStore,
  IndexedChunk,
  RetrievalMode,
} from '../../src/store/chunk-store.port';

/** Opens the store under test; every call in one suite reaches the same data (a reopen sees what was written). */
export type ChunkStoreFactory = () => Promise<ChunkStore>;

const DIMENSIONS = 64;
const embedder = new OfflineLexicalEmbedder(DIMENSIONS);
const MODES: readonly RetrievalMode[] = ['semantic', 'keyword', 'hybrid'];

interface DocumentSpec {
  userId: string;
  documentId: string;
  texts: readonly string[];
  collection?: string;
  title?: string | null;
  source?: string | null;
  tags?: readonly string[];
  dateMs?: number | null;
}

function chunksOf(spec: DocumentSpec): IndexedChunk[] {
  return spec.texts.map((text, ordinal) => ({
    chunkId: `${spec.documentId}:${ordinal}`,
    documentId: spec.documentId,
    userId: spec.userId,
    collection: spec.collection ?? 'default',
    ordinal,
    text,
    title: spec.title ?? null,
    source: spec.source ?? null,
    tags: spec.tags ?? [],
    dateMs: spec.dateMs ?? null,
    vector: embedder.embedOne(text),
  }));
}

async function put(index: ChunkIndex, ...specs: DocumentSpec[]): Promise<void> {
  await index.replaceDocuments(
    specs.map((spec) => ({ userId: spec.userId, documentId: spec.documentId, chunks: chunksOf(spec) })),
  );
}

function query(
  mode: RetrievalMode,
  text: string,
  filter: ChunkFilter,
  topK = 10,
  extra: Partial<ChunkQuery> = {},
) {
  return { mode, text, vector: embedder.embedOne(text), topK, filter, ...extra } satisfies ChunkQuery;
}

const documentsOf = (hits: readonly ChunkHit[]) => [...new Set(hits.map((hit) => hit.chunk.documentId))];
const chunkIdsOf = (hits: readonly ChunkHit[]) => hits.map((hit) => hit.chunk.chunkId);

const LIBRARY: readonly DocumentSpec[] = [
  {
    userId: 'alice',
    documentId: 'heat',
    texts: [
      'Heat transfer through a turbulent boundary layer on a heated flat plate.',
      'Measurements of the heat flux near the leading edge of the plate.',
    ],
    collection: 'papers',
    title: 'Heat transfer',
    source: 'upload',
    tags: ['physics', 'thermal'],
    dateMs: Date.UTC(2024, 0, 15),
  },
  {
    userId: 'alice',
    documentId: 'wings',
    texts: ['Lift and drag of swept wings at supersonic speeds, measured in a wind tunnel.'],
    collection: 'papers',
    title: 'Swept wings',
    source: 'upload',
    tags: ['physics', 'aero'],
    dateMs: Date.UTC(2024, 5, 1),
  },
  {
    userId: 'alice',
    documentId: 'recipe',
    texts: ['Bake the sourdough bread at a high temperature with steam for a crisp crust.'],
    collection: 'notes',
    title: 'Bread',
    source: 'chat',
    tags: ['cooking'],
    dateMs: Date.UTC(2025, 2, 10),
  },
  {
    userId: 'alice',
    documentId: 'undated',
    texts: ['Meeting notes about the quarterly budget review and the hiring plan.'],
    collection: 'notes',
    title: null,
    source: null,
    tags: [],
    dateMs: null,
  },
];

/**
 * What every chunk store must do, whatever engine is behind it. Each test works in an embedding space
 * of its own, so tests never see each other's chunks.
 */
export function describeChunkStoreContract(name: string, openStore: ChunkStoreFactory): void {
  describe(`${name} (chunk store contract)`, () => {
    let store: ChunkStore;
    let space: EmbeddingSpace;
    let index: ChunkIndex;
    const alice: ChunkFilter = { userId: 'alice' };

    beforeAll(async () => {
      store = await openStore();
    });
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(async () => {
      space = {
        id: `contract/${randomUUID().slice(0, 8)}@${DIMENSIONS}`,
        dimensions: DIMENSIONS,
        kind: 'lexical',
      };
      index = await store.openIndex(space);
    });
    afterEach(async () => {
      await store.dropIndex(space);
    });

    it('answers every mode on an empty index with nothing', async () => {
      for (const mode of MODES)
        await expect(index.search(query(mode, 'anything at all', alice))).resolves.toEqual([]);
      await expect(index.count()).resolves.toBe(0);
      await expect(index.deleteDocument('alice', 'missing')).resolves.toBe(0);
    });

    it('opens the same index twice and names its space', async () => {
      expect(index.space).toEqual(space);
      const again = await store.openIndex(space);
      await put(again, LIBRARY[0] as DocumentSpec);
      await expect(index.count()).resolves.toBe(2);
    });

    it('stores chunks and gives every field back as written', async () => {
      await put(index, ...LIBRARY);
      await expect(index.count()).resolves.toBe(5);
      await expect(index.count({ userId: 'alice' })).resolves.toBe(5);
      const [hit] = await index.search(query('keyword', 'sourdough', alice, 1));
      expect(hit?.chunk).toEqual({
        chunkId: 'recipe:0',
        documentId: 'recipe',
        userId: 'alice',
        collection: 'notes',
        ordinal: 0,
        text: 'Bake the sourdough bread at a high temperature with steam for a crisp crust.',
        title: 'Bread',
        source: 'chat',
        tags: ['cooking'],
        dateMs: Date.UTC(2025, 2, 10),
      });
      const [undated] = await index.search(query('keyword', 'budget hiring', alice, 1));
      expect(undated?.chunk).toMatchObject({ title: null, source: null, tags: [], dateMs: null });
    });

    it.each(MODES)('finds the right document first in %s mode, scores best first', async (mode) => {
      await put(index, ...LIBRARY);
      const hits = await index.search(query(mode, 'heat transfer boundary layer', alice));
      expect(hits[0]?.chunk.documentId).toBe('heat');
      const scores = hits.map((hit) => hit.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(new Set(chunkIdsOf(hits)).size).toBe(hits.length);
    });

    it('matches inflected forms in keyword mode (English stemming)', async () => {
      await put(index, ...LIBRARY);
      const hits = await index.search(query('keyword', 'measuring wing', alice));
      expect(documentsOf(hits)).toEqual(expect.arrayContaining(['wings']));
    });

    it('gives keyword mode only chunks that contain a query term', async () => {
      await put(index, ...LIBRARY);
      const hits = await index.search(query('keyword', 'sourdough', alice));
      expect(chunkIdsOf(hits)).toEqual(['recipe:0']);
      await expect(index.search(query('keyword', 'zeppelin', alice))).resolves.toEqual([]);
      await expect(index.search(query('keyword', '   ', alice))).resolves.toEqual([]);
    });

    it('fuses with reciprocal rank or weights in hybrid mode', async () => {
      await put(index, ...LIBRARY);
      const rrf = await index.search(
        query('hybrid', 'heat flux plate', alice, 10, { fusion: { kind: 'rrf', k: 10 } }),
      );
      expect(rrf[0]?.chunk.documentId).toBe('heat');
      const semantic = await index.search(query('semantic', 'heat flux plate', alice));
      const allSemantic = await index.search(
        query('hybrid', 'heat flux plate', alice, 10, { fusion: { kind: 'weighted', semanticWeight: 1 } }),
      );
      expect(chunkIdsOf(allSemantic).slice(0, 3)).toEqual(chunkIdsOf(semantic).slice(0, 3));
      const allKeyword = await index.search(
        query('hybrid', 'sourdough', alice, 10, { fusion: { kind: 'weighted', semanticWeight: 0 } }),
      );
      expect(allKeyword[0]?.chunk.chunkId).toBe('recipe:0');
    });

    it('replaces a document without leaving old or duplicate chunks', async () => {
      await put(index, ...LIBRARY);
      await put(index, {
        ...(LIBRARY[0] as DocumentSpec),
        texts: ['Radiative cooling of a spacecraft panel.'],
      });
      await expect(index.count()).resolves.toBe(4);
      await put(index, {
        ...(LIBRARY[0] as DocumentSpec),
        texts: ['Radiative cooling of a spacecraft panel.', 'A second part about condensers.', 'A third.'],
      });
      await put(index, {
        ...(LIBRARY[0] as DocumentSpec),
        texts: ['Radiative cooling of a spacecraft panel.', 'A second part about condensers.', 'A third.'],
      });
      await expect(index.count()).resolves.toBe(6);
      for (const mode of MODES) {
        const hits = await index.search(query(mode, 'heat flux leading edge turbulent', alice, 50));
        expect(hits.map((hit) => hit.chunk.text)).not.toContain(LIBRARY[0]?.texts[1]);
        expect(new Set(chunkIdsOf(hits)).size).toBe(hits.length);
      }
      const condensers = await index.search(query('keyword', 'condensers', alice));
      expect(chunkIdsOf(condensers)).toEqual(['heat:1']);
    });

    it('replaces a document by no chunks as a delete, and refuses chunks of another document or size', async () => {
      await put(index, ...LIBRARY);
      await index.replaceDocuments([{ userId: 'alice', documentId: 'heat', chunks: [] }]);
      await expect(index.count()).resolves.toBe(3);
      const foreign = chunksOf(LIBRARY[1] as DocumentSpec);
      await expect(
        index.replaceDocuments([{ userId: 'alice', documentId: 'heat', chunks: foreign }]),
      ).rejects.toThrow(RangeError);
      const wrongSize = chunksOf(LIBRARY[0] as DocumentSpec).map((chunk) => ({
        ...chunk,
        vector: new Float32Array(3),
      }));
      await expect(
        index.replaceDocuments([{ userId: 'alice', documentId: 'heat', chunks: wrongSize }]),
      ).rejects.toThrow(RangeError);
      await expect(index.count()).resolves.toBe(3);
    });

    it('deletes every chunk of a document, and only that user’s', async () => {
      await put(index, ...LIBRARY, { ...(LIBRARY[0] as DocumentSpec), userId: 'bob' });
      await expect(index.deleteDocument('alice', 'heat')).resolves.toBe(2);
      await expect(index.deleteDocument('alice', 'heat')).resolves.toBe(0);
      for (const mode of MODES) {
        const hits = await index.search(query(mode, 'heat transfer plate flux', alice, 50));
        expect(documentsOf(hits)).not.toContain('heat');
      }
      await expect(index.count({ userId: 'bob' })).resolves.toBe(2);
    });

    describe('filters, applied before the limit', () => {
      const cases: [string, Omit<ChunkFilter, 'userId'>, string[]][] = [
        ['collection', { collections: ['notes'] }, ['recipe', 'undated']],
        ['several collections', { collections: ['notes', 'papers'] }, ['heat', 'wings', 'recipe', 'undated']],
        ['no collection at all', { collections: [] }, []],
        ['any of the tags', { tagsAny: ['thermal', 'cooking'] }, ['heat', 'recipe']],
        ['all of the tags', { tagsAll: ['physics', 'aero'] }, ['wings']],
        [
          'tags any and all together',
          { tagsAny: ['aero', 'thermal'], tagsAll: ['physics'] },
          ['heat', 'wings'],
        ],
        ['source', { sources: ['chat'] }, ['recipe']],
        ['document ids', { documentIds: ['wings', 'undated'] }, ['wings', 'undated']],
        ['date from', { dateFromMs: Date.UTC(2024, 3, 1) }, ['wings', 'recipe']],
        ['date to', { dateToMs: Date.UTC(2024, 3, 1) }, ['heat']],
        [
          'date range',
          { dateFromMs: Date.UTC(2024, 0, 1), dateToMs: Date.UTC(2024, 11, 31) },
          ['heat', 'wings'],
        ],
        [
          'everything at once',
          { collections: ['papers'], tagsAny: ['aero'], sources: ['upload'] },
          ['wings'],
        ],
      ];
      it.each(cases)('by %s in every mode', async (_name, narrowing, expected) => {
        await put(index, ...LIBRARY);
        // Words of every library document, so each mode has something to find in each.
        const text = 'heat plate wings tunnel sourdough bread budget hiring';
        for (const mode of MODES) {
          const hits = await index.search(query(mode, text, { userId: 'alice', ...narrowing }, 50));
          expect(documentsOf(hits).sort()).toEqual([...expected].sort());
        }
      });

      it('still finds a narrow match when many better ones fall outside the filter', async () => {
        const crowd = Array.from({ length: 40 }, (_, i) => ({
          userId: 'alice',
          documentId: `crowd-${i}`,
          texts: [`turbine blade turbine blade turbine blade report ${i}`],
          collection: 'crowd',
        }));
        await put(index, ...crowd, {
          userId: 'alice',
          documentId: 'needle',
          texts: ['a short note that mentions a turbine once'],
          collection: 'needle',
        });
        for (const mode of MODES) {
          const hits = await index.search(
            query(mode, 'turbine blade', { userId: 'alice', collections: ['needle'] }, 2),
          );
          expect(documentsOf(hits)).toEqual(['needle']);
        }
      });
    });

    it('returns at most topK results and refuses a topK out of range', async () => {
      await put(index, ...LIBRARY);
      for (const mode of MODES) {
        await expect(
          index.search(query(mode, 'heat plate wings bread budget', alice, 2)),
        ).resolves.toHaveLength(2);
        await expect(
          index.search(query(mode, 'heat plate wings bread budget', alice, 100)),
        ).resolves.toHaveLength(5);
        for (const topK of [0, -1, 1.5, 1_001]) {
          await expect(index.search(query(mode, 'heat', alice, topK))).rejects.toThrow(RangeError);
        }
      }
    });

    it('never returns another user’s chunks, in any mode, whatever the filter or user id says', async () => {
      await put(index, ...LIBRARY);
      await put(
        index,
        ...LIBRARY.map((spec) => ({ ...spec, userId: 'bob', documentId: `bob-${spec.documentId}` })),
      );
      const strangers = ['bob', 'carol', "alice' OR '1'='1", "x') OR (1=1", 'alice\\', '%', 'ALICE'];
      for (const mode of MODES) {
        const aliceHits = await index.search(query(mode, 'heat plate wings bread budget hiring', alice, 100));
        expect(aliceHits.length).toBeGreaterThan(0);
        expect(aliceHits.every((hit) => hit.chunk.userId === 'alice')).toBe(true);
        const bobHits = await index.search(
          query(
            mode,
            'heat plate wings bread budget hiring',
            { userId: 'bob', documentIds: ['heat', 'bob-heat'] },
            100,
          ),
        );
        expect(documentsOf(bobHits)).toEqual(['bob-heat']);
        for (const userId of strangers.slice(1)) {
          await expect(index.search(query(mode, 'heat plate wings bread', { userId }, 100))).resolves.toEqual(
            [],
          );
        }
      }
      await expect(index.deleteDocument("bob' OR '1'='1", 'heat')).resolves.toBe(0);
      await expect(index.deleteDocument('bob', "heat' OR '1'='1")).resolves.toBe(0);
      await expect(index.count()).resolves.toBe(10);
      await expect(index.search(query('keyword', 'heat', { userId: '' }))).rejects.toThrow();
    });

    it('keeps and finds text, titles and tags in any script', async () => {
      const texts = [
        'Καλημέρα κόσμε, η θερμοκρασία σήμερα είναι υψηλή',
        '東京の天気は晴れです 🌤️',
        'Crème brûlée au café, très sucrée',
        'O\'Brien\'s notes: "quotes" and back\\slashes; DROP TABLE chunks; --',
      ];
      await put(index, {
        userId: 'alice',
        documentId: 'unicode',
        texts,
        title: 'Ünïcödé ✓',
        tags: ['ελληνικά', '日本語', "it's"],
      });
      const hits = await index.search(query('keyword', 'θερμοκρασία', alice));
      expect(hits[0]?.chunk).toMatchObject({ text: texts[0], title: 'Ünïcödé ✓' });
      expect(hits[0]?.chunk.tags).toEqual(['ελληνικά', '日本語', "it's"]);
      const quoted = await index.search(query('keyword', "O'Brien's", alice));
      expect(quoted[0]?.chunk.text).toBe(texts[3]);
      const tagged = await index.search(
        query('semantic', 'anything', { userId: 'alice', tagsAny: ["it's"] }),
      );
      expect(tagged).toHaveLength(4);
      const semantic = await index.search(query('semantic', '東京の天気', alice, 1));
      expect(semantic[0]?.chunk.text).toBe(texts[1]);
    });

    it('takes concurrent writes without losing or duplicating a chunk', async () => {
      const specs = Array.from({ length: 12 }, (_, i) => ({
        userId: i % 2 === 0 ? 'alice' : 'bob',
        documentId: `doc-${i}`,
        texts: [`document ${i} first part`, `document ${i} second part`, `document ${i} third part`],
      }));
      await Promise.all(specs.map((spec) => put(index, spec)));
      // Replace half of them and delete a quarter, all at once.
      await Promise.all([
        ...specs
          .slice(0, 6)
          .map((spec) => put(index, { ...spec, texts: [`document ${spec.documentId} rewritten`] })),
        ...specs.slice(9).map((spec) => index.deleteDocument(spec.userId, spec.documentId)),
      ]);
      await expect(index.count()).resolves.toBe(6 * 1 + 3 * 3);
      const all = await index.search(query('keyword', 'document', { userId: 'alice' }, 100));
      expect(new Set(chunkIdsOf(all)).size).toBe(all.length);
      expect(all.length).toBe(3 * 1 + 2 * 3);
    });

    it('keeps what was written across a reopen of the store, and drops a whole space', async () => {
      await put(index, ...LIBRARY);
      const reopened = await openStore();
      try {
        const again = await reopened.openIndex(space);
        await expect(again.count()).resolves.toBe(5);
        const [hit] = await again.search(query('hybrid', 'sourdough bread', alice, 1));
        expect(hit?.chunk.documentId).toBe('recipe');
      } finally {
        await reopened.close();
      }
      await store.dropIndex(space);
      index = await store.openIndex(space);
      await expect(index.count()).resolves.toBe(0);
    });
  });
}
