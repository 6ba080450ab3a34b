import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  List,
  makeBuilder,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  type DataType,
} from 'apache-arrow';
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

/**
 * The chunks as one Arrow batch of the table's schema, built column by column: the vectors are copied
 * into one Float32Array instead of becoming hundreds of JS numbers per row for LanceDB to convert
 * (rows of plain objects took 0.2 to 1 ms per chunk of the service's time on a loaded machine).
 */
export function chunkBatch(chunks: readonly IndexedChunk[], dimensions: number): Table {
  const schema = chunkTableSchema(dimensions);
  const records = chunks.map(chunkRecordOf);
  const vectors = new Float32Array(chunks.length * dimensions);
  chunks.forEach((chunk, i) => vectors.set(chunk.vector, i * dimensions));
  const columns: Record<string, (type: DataType) => ReturnType<typeof makeData>> = {
    vector: (type) =>
      makeData({
        type: type as FixedSizeList<Float32>,
        length: chunks.length,
        nullCount: 0,
        child: makeData({ type: new Float32(), length: vectors.length, nullCount: 0, data: vectors }),
      }),
  };
  const children = schema.fields.map((field) => {
    const build = columns[field.name];
    if (build) return build(field.type);
    // One builder per column, flushed once: one Data per column, however many rows.
    const builder = makeBuilder({ type: field.type, nullValues: [null] });
    for (const record of records) builder.append(record[field.name as keyof ChunkRecord]);
    return builder.finish().flush();
  });
  const struct = makeData({ type: new Struct(schema.fields), length: chunks.length, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}

/** A row as `toArray()` gives it (lists arrive as Arrow vectors), with the search's distance or score. */
export type ChunkRowRecord = Omit<ChunkRecord, 'tags'> & {
  tags: Iterable<string | null> | null;
  _distance?: number;
  _score?: number;
};

/** A row's metadata (the shared record mapping reads Arrow lists too). */
export const chunkMetadataOf: (row: ChunkRowRecord) => IndexedChunkMetadata = metadataOfRecord;
