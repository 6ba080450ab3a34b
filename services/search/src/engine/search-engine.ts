import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { SearchIndexStatus } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import type { Embedder } from '../embeddings/embedder.port';
import { createEmbedder } from '../embeddings/embedder.registry';
import type { ChunkIndex, ChunkStore } from '../store/chunk-store.port';
import { EmbeddingSpaceRepository } from './embedding-space.repository';
import type { SpaceRecord } from './space-plan';
import { CHUNK_STORE, EMBEDDER } from './engine.tokens';

/** An embedding space in use: its embedder and its index. */
export interface ActiveSpace {
  readonly embedder: Embedder;
  readonly index: ChunkIndex;
}

/** Where a write goes: every space in use, and the space the document is then recorded in. */
export interface WriteTargets {
  readonly spaces: readonly ActiveSpace[];
  readonly recordedAs: string;
}

interface EngineState {
  readonly serving: ActiveSpace;
  readonly building: ActiveSpace | null;
}

/**
 * The embedding spaces in use, opened at start: the serving one answers queries (its own embedder embeds
 * them) and, after the configured embedding model changed, the new one is built beside it (every write
 * reaches both) until the re-index switches over to it. Everything that indexes, deletes or queries
 * chunks goes through here.
 */
@Injectable()
export class SearchEngine implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SearchEngine.name);
  private state: EngineState | null = null;
  /** Writes under way, so a switch-over drops the old index only once none is writing to it. */
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    @Inject(CHUNK_STORE) private readonly store: ChunkStore,
    @Inject(EMBEDDER) private readonly configured: Embedder,
    private readonly spaces: EmbeddingSpaceRepository,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const plan = await this.spaces.settle(recordOf(this.configured));
    for (const abandoned of plan.abandoned) {
      this.logger.log(`dropping the unfinished index of ${abandoned.id}: another model is configured`);
      await this.store.dropIndex(abandoned);
    }
    this.state = {
      serving: await this.open(plan.serving),
      building: plan.building ? await this.open(plan.building) : null,
    };
    if (plan.building) {
      this.logger.log(
        `embedding model changed: ${plan.serving.id} keeps serving while ${plan.building.id} is built`,
      );
    }
  }

  /** The space that answers queries: embed the query with its embedder, search its index. */
  get serving(): ActiveSpace {
    return this.current().serving;
  }

  /** The space being built to replace the serving one, if any. */
  get building(): ActiveSpace | null {
    return this.current().building;
  }

  writeTargets(): WriteTargets {
    const { serving, building } = this.current();
    return {
      spaces: building ? [serving, building] : [serving],
      recordedAs: (building ?? serving).embedder.space.id,
    };
  }

  /**
   * Runs `work` on the serving space; when it fails and another replica switched spaces meanwhile (the
   * old index may be gone), runs it once more on the space serving now.
   */
  async withServing<T>(work: (space: ActiveSpace) => Promise<T>): Promise<T> {
    const space = this.serving;
    try {
      return await work(space);
    } catch (error) {
      if (!(await this.refresh()) || this.serving === space) throw error;
      return work(this.serving);
    }
  }

  /** Runs a write on the given targets (by default every space in use), tracked until it ends. */
  async write<T>(work: (targets: WriteTargets) => Promise<T>, targets = this.writeTargets()): Promise<T> {
    const running = work(targets);
    this.writes.add(running);
    try {
      return await running;
    } finally {
      this.writes.delete(running);
    }
  }

  /** Removes every chunk of the document from every space in use. */
  async deleteDocument(userId: string, documentId: string): Promise<void> {
    await this.write(async ({ spaces }) => {
      for (const space of spaces) await space.index.deleteDocument(userId, documentId);
    });
  }

  /**
   * The space being built becomes the serving one, for this process and (recorded in Postgres) every
   * replica; the old index is dropped once the writes that may still reach it have ended.
   */
  async switchOver(): Promise<void> {
    const { serving: old, building } = this.current();
    if (!building) return;
    await this.spaces.switchOver(recordOf(building.embedder));
    this.state = { serving: building, building: null };
    await Promise.allSettled([...this.writes]);
    await this.store.dropIndex(old.embedder.space);
    this.logger.log(
      `switched to ${building.embedder.space.id}; dropped the index of ${old.embedder.space.id}`,
    );
  }

  /** Where the index stands, with the re-index progress counted over the user's documents. */
  async status(userId: string): Promise<SearchIndexStatus> {
    const { serving, building } = this.current();
    if (!building) return { embeddingSpace: serving.embedder.space.id, reindexing: null };
    const to = building.embedder.space.id;
    const { indexed, total } = await this.spaces.progress(to, userId);
    return {
      embeddingSpace: serving.embedder.space.id,
      reindexing: { to, indexedDocuments: indexed, totalDocuments: total },
    };
  }

  /** Takes up the spaces recorded now (another replica may have switched); true when they changed. */
  async refresh(): Promise<boolean> {
    const recorded = await this.spaces.recorded();
    const { serving, building } = this.current();
    if (
      recorded.serving === null ||
      (recorded.serving.id === serving.embedder.space.id &&
        recorded.building?.id === building?.embedder.space.id)
    ) {
      return false;
    }
    const reuse = (record: SpaceRecord) =>
      [serving, building].find((space) => space?.embedder.space.id === record.id) ?? this.open(record);
    this.state = {
      serving: await reuse(recorded.serving),
      building: recorded.building ? await reuse(recorded.building) : null,
    };
    this.logger.log(`now serving ${recorded.serving.id}`);
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }

  private current(): EngineState {
    if (!this.state) throw new Error('the search index is not open yet');
    return this.state;
  }

  /** Opens a space's index, with the configured embedder or one made again for an older model. */
  private async open(record: SpaceRecord): Promise<ActiveSpace> {
    const embedder =
      record.id === this.configured.space.id ? this.configured : embedderOf(record, this.config);
    return { embedder, index: await this.store.openIndex(embedder.space) };
  }
}

function recordOf(embedder: Embedder): SpaceRecord {
  const { id, dimensions } = embedder.space;
  return { id, model: id.slice(0, id.lastIndexOf('@')), dimensions };
}

/** The embedder of a recorded space: the same provider settings, its own model and size. */
function embedderOf(record: SpaceRecord, config: SearchConfig): Embedder {
  let embedder: Embedder;
  try {
    embedder = createEmbedder({
      ...config,
      SEARCH_EMBEDDING_MODEL: record.model,
      SEARCH_EMBEDDING_DIMENSIONS: record.dimensions,
    });
  } catch (error) {
    throw new Error(
      `the index of ${record.id} still serves until the re-index into the configured model finishes, ` +
        `but its embedder cannot be made: ${String(error)}`,
    );
  }
  if (embedder.space.id !== record.id) {
    throw new Error(`the embedder made for ${record.id} embeds into ${embedder.space.id}`);
  }
  return embedder;
}
