import type { EmbeddingSpace } from '../embeddings/embedder.port';

/** One indexed piece of a document, with what filters and snippets need. */
export interface IndexedChunk {
  readonly chunkId: string;
  readonly documentId: string;
  readonly userId: string;
  readonly collection: string;
  /** Position of the chunk in its document, from 0. */
  readonly ordinal: number;
  readonly text: string;
  readonly title: string | null;
  readonly source: string | null;
  readonly tags: readonly string[];
  /** The document's date as epoch milliseconds (for range filters), or null. */
  readonly dateMs: number | null;
  readonly vector: Float32Array;
}

export type IndexedChunkMetadata = Omit<IndexedChunk, 'vector'>;

/** Every query is scoped to one user; the rest narrows further. */
export interface ChunkFilter {
  readonly userId: string;
  readonly collections?: readonly string[];
  readonly tagsAny?: readonly string[];
  readonly tagsAll?: readonly string[];
  readonly sources?: readonly string[];
  readonly documentIds?: readonly string[];
  readonly dateFromMs?: number;
  readonly dateToMs?: number;
}

export type RetrievalMode = 'semantic' | 'keyword' | 'hybrid';

/** How hybrid merges the two rankings: reciprocal-rank fusion, or a weighted sum of normalised scores. */
export type Fusion =
  | { readonly kind: 'rrf'; readonly k: number }
  | { readonly kind: 'weighted'; readonly semanticWeight: number };

export interface ChunkQuery {
  readonly mode: RetrievalMode;
  /** The query text (keyword and hybrid). */
  readonly text: string;
  /** The query vector (semantic and hybrid), in the index's space. */
  readonly vector?: Float32Array;
  readonly topK: number;
  readonly filter: ChunkFilter;
  readonly fusion?: Fusion;
}

export interface ChunkHit {
  readonly chunk: IndexedChunkMetadata;
  /** Higher is better; comparable only within one query and mode. */
  readonly score: number;
}

/** The chunks of one embedding space. */
export interface ChunkIndex {
  readonly space: EmbeddingSpace;
  /** Replaces every chunk of each given document by the given ones (a re-index leaves no old chunk behind). */
  replaceDocuments(
    documents: readonly { userId: string; documentId: string; chunks: readonly IndexedChunk[] }[],
  ): Promise<void>;
  /** Removes every chunk of the document; returns how many were removed. */
  deleteDocument(userId: string, documentId: string): Promise<number>;
  search(query: ChunkQuery): Promise<ChunkHit[]>;
  count(filter?: Pick<ChunkFilter, 'userId'>): Promise<number>;
}

/** A vector and keyword store (the embedded engine by default, Qdrant to scale out). */
export interface ChunkStore {
  readonly name: 'lancedb' | 'qdrant';
  /** Opens (creating if needed) the index for an embedding space. */
  openIndex(space: EmbeddingSpace): Promise<ChunkIndex>;
  /** Drops an index no longer served (after a re-index to a new space finished). */
  dropIndex(space: Pick<EmbeddingSpace, 'id' | 'dimensions'>): Promise<void>;
  close(): Promise<void>;
}
