import {
  BooleanQuery,
  Index,
  MatchQuery,
  MultiMatchQuery,
  Occur,
  type FullTextQuery,
  type Table,
  type VectorQuery,
} from '@lancedb/lancedb';
import { Sema } from 'async-sema';
import type { EmbeddingSpace } from '../../embeddings/embedder.port';
import type { ChunkFilter, ChunkHit, ChunkIndex, ChunkQuery, IndexedChunk } from '../chunk-store.port';
import { assertChunksBelong, assertTopK, candidateDepth, isZeroVector } from '../chunk-query-rules';
import { DEFAULT_RRF_K, fuseRankings } from '../fusion';
import { chunkPredicate, documentsPredicate, userPredicate } from './lancedb-predicate';
import { searchableText } from '../chunk-record';
import { contentWords, expandQuery, feedbackEnabled, type KeywordFeedback } from '../keyword-feedback';
import { chunkBatch, chunkMetadataOf, METADATA_COLUMNS, type ChunkRowRecord } from './lancedb-schema';
import { annIndexConfig, ANN_QUERY_TUNING, type LanceDbTuning } from './lancedb-tuning';

const FTS_INDEX = 'text_idx';
const TITLE_FTS_INDEX = 'title_idx';
const VECTOR_INDEX = 'vector_idx';

/** The FTS analyser: English stemming and stop words, as a Porter BM25 does, plus accent folding. */
export const FTS_OPTIONS = {
  withPosition: false,
  baseTokenizer: 'simple',
  language: 'English',
  lowercase: true,
  stem: true,
  removeStopWords: true,
  asciiFolding: true,
} as const;

export interface LanceDbChunkIndexOptions extends LanceDbTuning {
  /** Pseudo-relevance feedback of keyword search (and of hybrid's keyword side). */
  readonly keywordFeedback: KeywordFeedback;
  /** Called with failures of background maintenance (optimize, ANN build); they never reach a caller. */
  readonly onBackgroundError: (error: unknown, task: string) => void;
}

/**
 * One embedding space's chunks in one LanceDB table: BM25 over title and text (with pseudo-relevance
 * feedback, see keyword-feedback.ts), cosine vector search, and the
 * filter as a SQL predicate applied before the limit (prefilter), always starting with the user.
 *
 * Writes go through one lock per table (LanceDB wants one writer; concurrent commits would conflict).
 * Replacing documents that have chunks is one `mergeInsert` commit, so a reader sees either the old
 * chunks or the new ones, never both and never neither; documents with none yet are appended. Rows
 * written since the last optimize are searched exhaustively by LanceDB beside the indexed ones;
 * `optimize` (run in the background as writes accumulate, see rowsBetweenOptimizations, and once they
 * pause) folds them into the indexes and compacts the table.
 */
export class LanceDbChunkIndex implements ChunkIndex {
  private readonly writeLock = new Sema(1);
  private rowsSinceOptimize = 0;
  private rowsAtLastOptimize = 0;
  private maintenance: Promise<void> | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private lastOptimizedAt = Number.NEGATIVE_INFINITY;
  private annBuilt: boolean;
  private annBuild: Promise<void> | undefined;
  /** Rows per user, counted on demand and forgotten when that user's rows change: picks exact or ANN search. */
  private readonly userRows = new Map<string, number>();

  constructor(
    readonly space: EmbeddingSpace,
    private readonly table: Table,
    private readonly options: LanceDbChunkIndexOptions,
    hasAnnIndex: boolean,
  ) {
    this.annBuilt = hasAnnIndex;
  }

  async replaceDocuments(
    documents: readonly { userId: string; documentId: string; chunks: readonly IndexedChunk[] }[],
  ): Promise<void> {
    if (documents.length === 0) return;
    const chunks: IndexedChunk[] = [];
    const byUser = new Map<string, string[]>();
    for (const document of documents) {
      assertChunksBelong(document, this.space.dimensions);
      chunks.push(...document.chunks);
      const ids = byUser.get(document.userId) ?? [];
      ids.push(document.documentId);
      byUser.set(document.userId, ids);
    }
    assertUniqueChunkIds(documents);
    const replaced = [...byUser].map(([userId, ids]) => `(${documentsPredicate(userId, ids)})`).join(' OR ');
    const rows = chunks.length === 0 ? null : chunkBatch(chunks, this.space.dimensions);
    await this.write(async () => {
      if (rows === null) {
        await this.table.delete(replaced);
        return;
      }
      // Documents seen for the first time (the usual case) are appended: a merge with delete-by-source
      // scans the whole table on every commit, so ingestion would slow down as the table grows. The
      // check runs on the document_id index, under the write lock, so no write slips in between.
      if ((await this.table.countRows(replaced)) === 0) {
        await this.table.add(rows);
        return;
      }
      // One commit: new and changed chunks in, every other chunk of these documents out.
      await this.table
        .mergeInsert(['user_id', 'chunk_id'])
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .whenNotMatchedBySourceDelete({ where: replaced })
        .execute(rows);
    });
    for (const userId of byUser.keys()) this.userRows.delete(userId);
    this.afterWrite(chunks.length);
  }

  async deleteDocument(userId: string, documentId: string): Promise<number> {
    const result = await this.write(() => this.table.delete(documentsPredicate(userId, [documentId])));
    this.userRows.delete(userId);
    return result.numDeletedRows;
  }

  async search(query: ChunkQuery): Promise<ChunkHit[]> {
    assertTopK(query.topK);
    const predicate = chunkPredicate(query.filter);
    switch (query.mode) {
      case 'keyword':
        return this.keywordSearch(query.text, predicate, query.topK);
      case 'semantic':
        return this.semanticSearch(requireVector(query), query.filter, predicate, query.topK);
      case 'hybrid': {
        const depth = candidateDepth(query.topK);
        const [semantic, keyword] = await Promise.all([
          this.semanticSearch(requireVector(query), query.filter, predicate, depth),
          this.keywordSearch(query.text, predicate, depth),
        ]);
        return fuseRankings(semantic, keyword, query.fusion ?? { kind: 'rrf', k: DEFAULT_RRF_K }, query.topK);
      }
    }
  }

  count(filter?: Pick<ChunkFilter, 'userId'>): Promise<number> {
    return this.table.countRows(filter ? userPredicate(filter.userId) : undefined);
  }

  /**
   * The nearest chunks by cosine similarity. `exact` skips the ANN index (the reference a recall
   * measurement compares with); otherwise the index is used when one exists and the filter's user
   * has at least `annMinRows` chunks, since exhaustive search over fewer rows is fast and perfect.
   */
  async nearest(
    vector: Float32Array,
    filter: ChunkFilter,
    topK: number,
    options: { exact?: boolean } = {},
  ): Promise<ChunkHit[]> {
    assertTopK(topK);
    if (isZeroVector(vector)) return [];
    return this.vectorQuery(
      vector,
      chunkPredicate(filter),
      topK,
      options.exact ?? !(await this.useAnn(filter)),
    );
  }

  /** Folds new rows into the indexes, compacts, prunes old versions, and builds the ANN index when due. */
  async optimize(): Promise<void> {
    this.rowsSinceOptimize = 0;
    // Outside the write lock: writes go on while it compacts (several seconds at 100,000 rows).
    try {
      await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
      this.rowsAtLastOptimize = await this.table.countRows();
    } finally {
      this.lastOptimizedAt = Date.now();
    }
    await this.buildAnnIfDue();
  }

  /** Waits for background maintenance to finish (before close, and in tests); a pending quiet-time optimize is dropped. */
  async settle(): Promise<void> {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    while (this.maintenance || this.annBuild) await (this.maintenance ?? this.annBuild);
    await this.write(() => Promise.resolve());
  }

  get hasAnnIndex(): boolean {
    return this.annBuilt;
  }

  /** BM25 over title and text; with feedback on, a first pass picks the words a second pass adds. */
  private async keywordSearch(text: string, predicate: string, limit: number): Promise<ChunkHit[]> {
    if (text.trim().length === 0) return [];
    const feedback = this.options.keywordFeedback;
    if (!feedbackEnabled(feedback)) return this.fullTextSearch(matchAll(text), predicate, limit);
    const firstPass = await this.fullTextSearch(matchAll(text), predicate, feedback.chunks);
    if (firstPass.length === 0) return [];
    const terms = expandQuery(
      text,
      firstPass.map(({ chunk, score }) => ({ text: searchableText(chunk), score })),
      feedback,
    );
    const queryWords = [...new Set(contentWords(text))];
    if (terms.length === 0 || queryWords.length === 0) {
      return this.fullTextSearch(matchAll(text), predicate, limit);
    }
    // A chunk must hold a word of the query (a must clause adding nothing to the score), so keyword
    // results always contain one; the weighted words then rank them. Single-column match queries only:
    // in LanceDB 0.31.0 a multi-match inside a boolean query scores each chunk from a limited list per
    // clause, so the scores (and order) changed with the limit.
    const expanded = new BooleanQuery([
      [Occur.Must, new BooleanQuery(queryWords.flatMap((word) => inTextOrTitle(word, 0)))],
      ...terms.flatMap(({ term, weight }) => inTextOrTitle(term, weight)),
    ]);
    return this.fullTextSearch(expanded, predicate, limit);
  }

  private async fullTextSearch(query: FullTextQuery, predicate: string, limit: number): Promise<ChunkHit[]> {
    const rows = (await this.table
      .query()
      .fullTextSearch(query)
      .where(predicate)
      .select([...METADATA_COLUMNS, '_score'])
      .limit(limit)
      .toArray()) as ChunkRowRecord[];
    // Rows not yet in the full-text index come back after the indexed ones, whatever their score.
    return rows
      .map((row) => ({ chunk: chunkMetadataOf(row), score: row._score ?? 0 }))
      .sort((a, b) => b.score - a.score);
  }

  private async semanticSearch(
    vector: Float32Array,
    filter: ChunkFilter,
    predicate: string,
    limit: number,
  ): Promise<ChunkHit[]> {
    if (isZeroVector(vector)) return [];
    return this.vectorQuery(vector, predicate, limit, !(await this.useAnn(filter)));
  }

  private async vectorQuery(vector: Float32Array, predicate: string, limit: number, exact: boolean) {
    let query: VectorQuery = this.table
      .vectorSearch(Array.from(vector))
      .column('vector')
      .distanceType('cosine')
      .where(predicate)
      .select([...METADATA_COLUMNS, '_distance'])
      .limit(limit);
    if (exact) query = query.bypassVectorIndex();
    else if (this.annBuilt) query = ANN_QUERY_TUNING(query);
    const rows = (await query.toArray()) as ChunkRowRecord[];
    return rows.map((row) => ({ chunk: chunkMetadataOf(row), score: 1 - (row._distance ?? 1) }));
  }

  private async useAnn(filter: ChunkFilter): Promise<boolean> {
    if (!this.annBuilt) return false;
    let rows = this.userRows.get(filter.userId);
    if (rows === undefined) {
      rows = await this.table.countRows(userPredicate(filter.userId));
      this.userRows.set(filter.userId, rows);
    }
    return rows >= this.options.annMinRows;
  }

  private async write<T>(work: () => Promise<T>): Promise<T> {
    await this.writeLock.acquire();
    try {
      return await work();
    } finally {
      this.writeLock.release();
    }
  }

  private afterWrite(rows: number): void {
    this.rowsSinceOptimize += rows;
    this.scheduleQuietOptimize();
    if (this.maintenance || this.rowsSinceOptimize < this.rowsBetweenOptimizations()) return;
    this.maintenance = this.optimize()
      .catch((error: unknown) => this.options.onBackgroundError(error, 'optimize'))
      .finally(() => {
        this.maintenance = undefined;
      });
  }

  /**
   * An optimize compacts and re-indexes the whole table, so its cost grows with the table: while
   * writes keep coming, one runs after `optimizeEveryRows` new rows or once as many rows are waiting
   * as the last one folded in, whichever is more. A bulk load of N rows then pays about 2N rows of
   * optimizing instead of N² / optimizeEveryRows, and at most half the rows wait outside the indexes
   * (searched exhaustively) until writing pauses and the quiet-time optimize folds them in.
   */
  private rowsBetweenOptimizations(): number {
    return Math.max(this.options.optimizeEveryRows, this.rowsAtLastOptimize);
  }

  /**
   * Folds the rows written since the last optimization into the indexes once writes pause for
   * `optimizeWhenQuietMs`. LanceDB searches such rows beside the full-text index, but ranks them
   * without its statistics: on a table whose index was made while it was empty, keyword results over
   * Cranfield scored MAP 0.01 before an optimize and 0.30 after (the reference BM25 scores 0.30).
   */
  private scheduleQuietOptimize(delayMs = this.options.optimizeWhenQuietMs): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (this.rowsSinceOptimize === 0) return;
      if (this.maintenance) {
        this.scheduleQuietOptimize(); // what is being written now is folded in after it
        return;
      }
      const tooSoonByMs = this.lastOptimizedAt + this.options.quietOptimizeMinIntervalMs - Date.now();
      if (tooSoonByMs > 0) {
        this.scheduleQuietOptimize(tooSoonByMs);
        return;
      }
      this.maintenance = this.optimize()
        .catch((error: unknown) => this.options.onBackgroundError(error, 'optimize'))
        .finally(() => {
          this.maintenance = undefined;
        });
    }, delayMs);
    this.quietTimer.unref();
  }

  /**
   * Builds the ANN index, after an optimize, once the table holds `annMinRows` rows: outside the write
   * lock (appends go on meanwhile and stay searchable exhaustively), one build at a time. Later
   * optimizes add new rows to it without training it again.
   */
  private buildAnnIfDue(): Promise<void> {
    this.annBuild ??= (async () => {
      if (this.annBuilt) return;
      const rows = await this.table.countRows();
      if (rows < this.options.annMinRows) return;
      await this.table.createIndex('vector', { config: annIndexConfig(), name: VECTOR_INDEX, replace: true });
      this.annBuilt = true;
    })().finally(() => {
      this.annBuild = undefined;
    });
    return this.annBuild;
  }
}

/** Creates the table's full-text and scalar indexes (idempotent). */
export async function ensureChunkTableIndexes(table: Table): Promise<{ hasAnnIndex: boolean }> {
  const existing = new Set((await table.listIndices()).map((index) => index.name));
  if (!existing.has(FTS_INDEX)) {
    await table.createIndex('text', { config: Index.fts(FTS_OPTIONS), name: FTS_INDEX });
  }
  if (!existing.has(TITLE_FTS_INDEX)) {
    await table.createIndex('title', { config: Index.fts(FTS_OPTIONS), name: TITLE_FTS_INDEX });
  }
  for (const column of ['user_id', 'document_id']) {
    if (!existing.has(`${column}_idx`)) {
      await table.createIndex(column, { config: Index.btree(), name: `${column}_idx` });
    }
  }
  return { hasAnnIndex: existing.has(VECTOR_INDEX) };
}

/** Every word of the text, each scored by BM25 (any may be missing) in the chunk's text and in its document's title. */
function matchAll(text: string): FullTextQuery {
  return new MultiMatchQuery(text, ['text', 'title']);
}

/** One word in the chunk's text or its document's title, each match scored by BM25 times `boost`. */
function inTextOrTitle(word: string, boost: number): [Occur, FullTextQuery][] {
  return ['text', 'title'].map((column) => [Occur.Should, new MatchQuery(word, column, { boost })]);
}

function requireVector(query: ChunkQuery): Float32Array {
  if (!query.vector) throw new RangeError(`a ${query.mode} query needs a query vector`);
  return query.vector;
}

function assertUniqueChunkIds(
  documents: readonly { userId: string; chunks: readonly IndexedChunk[] }[],
): void {
  const seen = new Set<string>();
  for (const { userId, chunks } of documents) {
    for (const { chunkId } of chunks) {
      const key = `${userId}\u0000${chunkId}`;
      if (seen.has(key)) throw new RangeError(`chunk id ${chunkId} appears twice in one write`);
      seen.add(key);
    }
  }
}
