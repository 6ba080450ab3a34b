import { createHash } from 'node:crypto';
import { QdrantClientClass, type QdrantClient, type Schemas } from './qdrant-client';
import type { EmbeddingSpace } from '../../embeddings/embedder.port';
import type {
  ChunkFilter,
  ChunkHit,
  ChunkIndex,
  ChunkQuery,
  ChunkStore,
  IndexedChunk,
} from '../chunk-store.port';
import { chunkRecordOf, metadataOfRecord, type ChunkRecord } from '../chunk-record';
import { assertChunksBelong, assertTopK, candidateDepth, isZeroVector } from '../chunk-query-rules';
import { DEFAULT_RRF_K, fuseRankings } from '../fusion';
import { spaceStorageName } from '../space-storage-name';
import { documentFilter, qdrantFilter, userCondition } from './qdrant-filter';

const DENSE = 'dense';
const SPARSE = 'bm25';
/**
 * Qdrant's own BM25 (server-side inference, Qdrant 1.15.2+): it tokenizes, drops English stop words
 * and stems (Snowball) on the server, and the sparse vector's IDF modifier weighs terms by rarity, so
 * the keyword side needs no tokenizer or statistics of ours.
 */
const BM25_MODEL = 'qdrant/bm25';
const BM25_OPTIONS = { language: 'english', ascii_folding: true };
const UPSERT_BATCH = 256;
const KEYWORD_FIELDS = ['collection', 'document_id', 'source', 'tags'] as const;

export interface QdrantChunkStoreOptions {
  readonly url: string;
  readonly apiKey?: string;
}

/** Qdrant for scale-out: one collection per embedding space, dense vectors plus server-side BM25 sparse vectors. */
export class QdrantChunkStore implements ChunkStore {
  readonly name = 'qdrant';
  private readonly client: QdrantClient;
  private readonly indexes = new Map<string, Promise<QdrantChunkIndex>>();

  constructor(options: QdrantChunkStoreOptions) {
    this.client = new QdrantClientClass({
      url: options.url,
      apiKey: options.apiKey,
      checkCompatibility: false,
    });
  }

  openIndex(space: EmbeddingSpace): Promise<QdrantChunkIndex> {
    let index = this.indexes.get(space.id);
    if (!index) {
      index = this.createIndex(space);
      index.catch(() => this.indexes.delete(space.id));
      this.indexes.set(space.id, index);
    }
    return index;
  }

  async dropIndex(space: Pick<EmbeddingSpace, 'id' | 'dimensions'>): Promise<void> {
    this.indexes.delete(space.id);
    const name = spaceStorageName(space);
    if ((await this.client.collectionExists(name)).exists) await this.client.deleteCollection(name);
  }

  close(): Promise<void> {
    this.indexes.clear();
    return Promise.resolve();
  }

  private async createIndex(space: EmbeddingSpace): Promise<QdrantChunkIndex> {
    const name = spaceStorageName(space);
    if (!(await this.client.collectionExists(name)).exists) {
      try {
        await this.client.createCollection(name, {
          vectors: { [DENSE]: { size: space.dimensions, distance: 'Cosine' } },
          sparse_vectors: { [SPARSE]: { modifier: 'idf' } },
        });
      } catch (error) {
        // Another replica created it first.
        if (!(await this.client.collectionExists(name)).exists) throw error;
      }
      await this.client.createPayloadIndex(name, {
        field_name: 'user_id',
        field_schema: { type: 'keyword', is_tenant: true },
        wait: true,
      });
      for (const field of KEYWORD_FIELDS) {
        await this.client.createPayloadIndex(name, {
          field_name: field,
          field_schema: 'keyword',
          wait: true,
        });
      }
      await this.client.createPayloadIndex(name, {
        field_name: 'date_ms',
        field_schema: 'float',
        wait: true,
      });
    }
    return new QdrantChunkIndex(space, this.client, name);
  }
}

export class QdrantChunkIndex implements ChunkIndex {
  constructor(
    readonly space: EmbeddingSpace,
    private readonly client: QdrantClient,
    private readonly collection: string,
  ) {}

  /**
   * Upserts the new chunks (point ids derive from user and chunk id, so a chunk written again replaces
   * itself), then deletes the document's points that are not among them. Qdrant has no transaction:
   * between the two steps a search may see a chunk the new version dropped, never a duplicate.
   */
  async replaceDocuments(
    documents: readonly { userId: string; documentId: string; chunks: readonly IndexedChunk[] }[],
  ): Promise<void> {
    for (const document of documents) assertChunksBelong(document, this.space.dimensions);
    const points = documents.flatMap((document) => document.chunks.map(pointOf));
    for (let start = 0; start < points.length; start += UPSERT_BATCH) {
      await this.client.upsert(this.collection, {
        wait: true,
        points: points.slice(start, start + UPSERT_BATCH),
      });
    }
    for (const document of documents) {
      const kept = document.chunks.map((chunk) => pointId(chunk.userId, chunk.chunkId));
      const stale = documentFilter(document.userId, document.documentId);
      await this.client.delete(this.collection, {
        wait: true,
        filter: kept.length === 0 ? stale : { ...stale, must_not: [{ has_id: kept }] },
      });
    }
  }

  async deleteDocument(userId: string, documentId: string): Promise<number> {
    const filter = documentFilter(userId, documentId);
    const { count } = await this.client.count(this.collection, { filter, exact: true });
    if (count > 0) await this.client.delete(this.collection, { wait: true, filter });
    return count;
  }

  async search(query: ChunkQuery): Promise<ChunkHit[]> {
    assertTopK(query.topK);
    const filter = qdrantFilter(query.filter);
    if (filter === null) return [];
    const keyword = query.text.trim().length > 0 ? this.bm25(query.text) : null;
    const dense = query.mode === 'keyword' ? null : requireVector(query);
    const semantic = dense && !isZeroVector(dense) ? Array.from(dense) : null;
    switch (query.mode) {
      case 'keyword':
        return keyword ? this.rank({ query: keyword, using: SPARSE, filter, limit: query.topK }) : [];
      case 'semantic':
        return semantic ? this.rank({ query: semantic, using: DENSE, filter, limit: query.topK }) : [];
      case 'hybrid': {
        const fusion = query.fusion ?? { kind: 'rrf', k: DEFAULT_RRF_K };
        const depth = candidateDepth(query.topK);
        if (fusion.kind === 'rrf' && semantic && keyword) {
          return this.rank({
            prefetch: [
              { query: semantic, using: DENSE, filter, limit: depth },
              { query: keyword, using: SPARSE, filter, limit: depth },
            ],
            query: { rrf: { k: fusion.k } },
            filter,
            limit: query.topK,
          });
        }
        const [semanticHits, keywordHits] = await Promise.all([
          semantic ? this.rank({ query: semantic, using: DENSE, filter, limit: depth }) : [],
          keyword ? this.rank({ query: keyword, using: SPARSE, filter, limit: depth }) : [],
        ]);
        return fuseRankings(semanticHits, keywordHits, fusion, query.topK);
      }
    }
  }

  async count(filter?: Pick<ChunkFilter, 'userId'>): Promise<number> {
    const { count } = await this.client.count(this.collection, {
      ...(filter ? { filter: { must: [userCondition(filter.userId)] } } : {}),
      exact: true,
    });
    return count;
  }

  /** Qdrant's HNSW is its default search; `exact` asks it for a full scan (the recall reference). */
  async nearest(
    vector: Float32Array,
    filter: ChunkFilter,
    topK: number,
    options: { exact?: boolean } = {},
  ): Promise<ChunkHit[]> {
    assertTopK(topK);
    const qdrant = qdrantFilter(filter);
    if (qdrant === null || isZeroVector(vector)) return [];
    return this.rank({
      query: Array.from(vector),
      using: DENSE,
      filter: qdrant,
      limit: topK,
      params: { exact: options.exact ?? false },
    });
  }

  private bm25(text: string): Schemas['Document'] {
    return { text, model: BM25_MODEL, options: BM25_OPTIONS };
  }

  private async rank(request: Schemas['QueryRequest']): Promise<ChunkHit[]> {
    const { points } = await this.client.query(this.collection, { ...request, with_payload: true });
    return points.map((point) => ({
      chunk: metadataOfRecord(point.payload as unknown as ChunkRecord),
      score: point.score,
    }));
  }
}

/** A UUID from the user and chunk id (Qdrant ids are UUIDs or integers), stable across writes. */
export function pointId(userId: string, chunkId: string): string {
  const hex = createHash('sha256').update(userId).update('\0').update(chunkId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function pointOf(chunk: IndexedChunk): Schemas['PointStruct'] {
  const payload = chunkRecordOf(chunk);
  return {
    id: pointId(chunk.userId, chunk.chunkId),
    vector: {
      [DENSE]: Array.from(chunk.vector),
      [SPARSE]: { text: chunk.text, model: BM25_MODEL, options: BM25_OPTIONS },
    },
    payload: payload as unknown as Record<string, unknown>,
  };
}

function requireVector(query: ChunkQuery): Float32Array {
  if (!query.vector) throw new RangeError(`a ${query.mode} query needs a query vector`);
  return query.vector;
}
