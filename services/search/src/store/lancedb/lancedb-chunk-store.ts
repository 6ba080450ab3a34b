import { mkdir } from 'node:fs/promises';
import { connect, type Connection } from '@lancedb/lancedb';
import type { EmbeddingSpace } from '../../embeddings/embedder.port';
import type { ChunkStore } from '../chunk-store.port';
import { DEFAULT_KEYWORD_FEEDBACK, type KeywordFeedback } from '../keyword-feedback';
import { ensureLanceComputeThreads } from './lance-compute-threads';
import { ensureChunkTableIndexes, LanceDbChunkIndex } from './lancedb-chunk-index';
import { chunkTableSchema } from './lancedb-schema';
import { spaceStorageName } from '../space-storage-name';
import { DEFAULT_LANCEDB_TUNING, type LanceDbTuning } from './lancedb-tuning';

export interface LanceDbChunkStoreOptions extends Partial<LanceDbTuning> {
  /** The directory holding the tables (created if missing). One writing process per path. */
  readonly path: string;
  readonly onBackgroundError?: (error: unknown, task: string) => void;
  /** Pseudo-relevance feedback of keyword search; DEFAULT_KEYWORD_FEEDBACK when not given. */
  readonly keywordFeedback?: KeywordFeedback;
}

/** The embedded default store: LanceDB on a local path, one table per embedding space. */
export class LanceDbChunkStore implements ChunkStore {
  readonly name = 'lancedb';
  private readonly indexes = new Map<string, Promise<LanceDbChunkIndex>>();

  private constructor(
    private readonly connection: Connection,
    private readonly options: LanceDbChunkStoreOptions,
  ) {}

  static async open(options: LanceDbChunkStoreOptions): Promise<LanceDbChunkStore> {
    ensureLanceComputeThreads();
    await mkdir(options.path, { recursive: true });
    return new LanceDbChunkStore(await connect(options.path), options);
  }

  openIndex(space: EmbeddingSpace): Promise<LanceDbChunkIndex> {
    let index = this.indexes.get(space.id);
    if (!index) {
      index = this.createIndex(space);
      // A failed open is not cached: the next call tries again.
      index.catch(() => this.indexes.delete(space.id));
      this.indexes.set(space.id, index);
    }
    return index;
  }

  async dropIndex(space: Pick<EmbeddingSpace, 'id' | 'dimensions'>): Promise<void> {
    const open = this.indexes.get(space.id);
    this.indexes.delete(space.id);
    await (await open?.catch(() => undefined))?.settle();
    const name = spaceStorageName(space);
    if ((await this.connection.tableNames()).includes(name)) await this.connection.dropTable(name);
  }

  async close(): Promise<void> {
    const open = await Promise.all([...this.indexes.values()].map((index) => index.catch(() => undefined)));
    await Promise.all(open.map((index) => index?.settle()));
    this.indexes.clear();
    this.connection.close();
  }

  private async createIndex(space: EmbeddingSpace): Promise<LanceDbChunkIndex> {
    const table = await this.connection.createEmptyTable(
      spaceStorageName(space),
      chunkTableSchema(space.dimensions),
      {
        existOk: true,
      },
    );
    const { hasAnnIndex } = await ensureChunkTableIndexes(table);
    return new LanceDbChunkIndex(
      space,
      table,
      {
        ...DEFAULT_LANCEDB_TUNING,
        ...definedOnly(this.options),
        keywordFeedback: this.options.keywordFeedback ?? DEFAULT_KEYWORD_FEEDBACK,
        onBackgroundError: this.options.onBackgroundError ?? (() => undefined),
      },
      hasAnnIndex,
    );
  }
}

function definedOnly(options: Partial<LanceDbTuning>): Partial<LanceDbTuning> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
