import { Field, FixedSizeList, Float32, Float64, Int32, List, Schema, Utf8 } from 'apache-arrow';
import { chunkRecordOf, metadataOfRecord, type ChunkRecord } from '../chunk-record';
import type { IndexedChunk, IndexedChunkMetadata } from '../chunk-store.port';

/** One row per chunk; the column names every predicate and query of this store uses. */
export function chunkTableSchema(dimensions: number): Schema {
  return new Schema([
    new Field('chunk_id', new Utf8(), false),
    new Field('document_id', new Utf8(), false),
    new Field('user_id', new Utf8(), false),
    new Field('collection', new Utf8(), false),
    new Field('ordinal', new Int32(), false),
    new Field('text', new Utf8(), false),
    new Field('title', new Utf8(), true),
    new Field('source', new Utf8(), true),
    new Field('tags', new List(new Field('item', new Utf8(), true)), false),
    new Field('date_ms', new Float64(), true),
    new Field('vector', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), false),
  ]);
}

/** Columns a search reads back (the vector stays on disk). */
export const METADATA_COLUMNS = [
  'chunk_id',
  'document_id',
  'user_id',
  'collection',
  'ordinal',
  'text',
  'title',
  'source',
  'tags',
  'date_ms',
];

export function chunkRow(chunk: IndexedChunk): Record<string, unknown> {
  return { ...chunkRecordOf(chunk), vector: Array.from(chunk.vector) };
}

/** A row as `toArray()` gives it (lists arrive as Arrow vectors), with the search's distance or score. */
export type ChunkRowRecord = Omit<ChunkRecord, 'tags'> & {
  tags: Iterable<string | null> | null;
  _distance?: number;
  _score?: number;
};

/** A row's metadata (the shared record mapping reads Arrow lists too). */
export const chunkMetadataOf: (row: ChunkRowRecord) => IndexedChunkMetadata = metadataOfRecord;
