import type { IndexedChunk, IndexedChunkMetadata } from './chunk-store.port';

/** A chunk's metadata as both stores keep it: a LanceDB row's columns, a Qdrant point's payload. */
export interface ChunkRecord {
  chunk_id: string;
  document_id: string;
  user_id: string;
  collection: string;
  ordinal: number;
  text: string;
  title: string | null;
  source: string | null;
  tags: string[];
  date_ms: number | null;
}

export function chunkRecordOf(chunk: IndexedChunk | IndexedChunkMetadata): ChunkRecord {
  return {
    chunk_id: chunk.chunkId,
    document_id: chunk.documentId,
    user_id: chunk.userId,
    collection: chunk.collection,
    ordinal: chunk.ordinal,
    text: chunk.text,
    title: chunk.title,
    source: chunk.source,
    tags: [...chunk.tags],
    date_ms: chunk.dateMs,
  };
}

/** The words keyword search matches for a chunk: its document's title, then the chunk's text. */
export function searchableText(chunk: { readonly title: string | null; readonly text: string }): string {
  return chunk.title ? `${chunk.title}\n${chunk.text}` : chunk.text;
}

/** The metadata of a stored record; `tags` as the store gives it back (LanceDB: an Arrow vector). */
export function metadataOfRecord(
  record: Omit<ChunkRecord, 'tags'> & { tags: Iterable<string | null> | null },
): IndexedChunkMetadata {
  const tags: string[] = [];
  for (const tag of record.tags ?? []) if (tag !== null) tags.push(tag);
  return {
    chunkId: record.chunk_id,
    documentId: record.document_id,
    userId: record.user_id,
    collection: record.collection,
    ordinal: record.ordinal,
    text: record.text,
    title: record.title,
    source: record.source,
    tags,
    dateMs: record.date_ms,
  };
}
