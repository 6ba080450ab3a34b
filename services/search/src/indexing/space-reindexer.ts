import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { InjectConfig, PG_POOL } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import { DocumentRepository, type DocumentToIndex } from '../documents/document.repository';
import { EmbeddingSpaceRepository } from '../engine/embedding-space.repository';
import { SearchEngine, type WriteTargets } from '../engine/search-engine';
import { DocumentIndexer } from './document-indexer';

/** Postgres advisory lock key: one replica at a time re-indexes. */
const LOCK_KEY = 0x5ea4c401;
/** How often a replica that does not hold the lock checks whether the one that did is gone. */
const LOCK_RETRY_MS = 10_000;
/** Progress is logged at most this often. */
const PROGRESS_LOG_MS = 10_000;

/**
 * Fills the space being built (the embedding model changed) from Postgres, where every document's text
 * is kept, while the old space keeps serving: every indexed document not yet in the new space is
 * embedded again, in batches of SEARCH_INDEX_BATCH_SIZE, metered against its owner like any indexing.
 * Progress is each document's `embedding_space`, so a restart takes up where it stopped. Documents
 * accepted, replaced or deleted meanwhile reach both spaces through the indexer, so none is missed;
 * once no indexed document is left outside the new space, queries switch to it and the old index is
 * dropped. With no space being built, the same pass catches the serving space up with any document
 * recorded in another one. One replica does it (an advisory lock).
 */
@Injectable()
export class SpaceReindexer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SpaceReindexer.name);
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private readonly attempts = new Map<string, number>();
  private lastLog = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly documents: DocumentRepository,
    private readonly spaces: EmbeddingSpaceRepository,
    private readonly engine: SearchEngine,
    private readonly indexer: DocumentIndexer,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SEARCH_INDEXER_ENABLED) return;
    this.running = this.runWhenLocked().catch((error: unknown) => {
      if (!this.stopping.signal.aborted) this.logger.error(`re-indexing stopped: ${String(error)}`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async runWhenLocked(): Promise<void> {
    for (;;) {
      if (this.stopping.signal.aborted) return;
      try {
        if (await this.runIfLocked()) return;
        // Another replica re-indexes; a switch-over it makes is taken up here, or when it holds no more.
        if (!this.engine.building) return;
      } catch (error) {
        // Postgres or the store failing outside one document's indexing: the pass starts again later.
        if (this.stopping.signal.aborted) return;
        this.logger.warn(`re-indexing interrupted, trying again: ${String(error)}`);
      }
      await sleep(LOCK_RETRY_MS, undefined, { signal: this.stopping.signal });
      await this.engine.refresh().catch(() => false);
    }
  }

  /** Re-indexes holding the lock; false when another replica holds it. */
  private async runIfLocked(): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        LOCK_KEY,
      ]);
      if (!rows[0]?.locked) return false;
      await this.runLocked(client);
      return true;
    } finally {
      client.release();
    }
  }

  private async runLocked(client: PoolClient): Promise<void> {
    try {
      await this.reindex();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  }

  /**
   * Fills the space being built and switches over to it; with none being built, catches the serving
   * space up with documents recorded in another one (left by a re-index given up for the serving model
   * again, or by a version that did not keep the old space serving).
   */
  private async reindex(): Promise<void> {
    const building = this.engine.building;
    const space = building ?? this.engine.serving;
    const target: WriteTargets = { spaces: [space], recordedAs: space.embedder.space.id };
    let afterSeq = '0';
    let failures = 0;
    let started = false;
    while (!this.stopping.signal.aborted) {
      const page = await this.documents.indexedOutside(
        target.recordedAs,
        afterSeq,
        this.config.SEARCH_INDEX_BATCH_SIZE,
      );
      if (page.length === 0) {
        // A last pass from the start: nothing may be left behind the position reached.
        if (afterSeq !== '0') {
          afterSeq = '0';
          continue;
        }
        if (building) return this.engine.switchOver();
        if (started) this.logger.log(`every indexed document is in ${target.recordedAs} now`);
        return;
      }
      if (!started) {
        started = true;
        await this.logProgress(target.recordedAs, true);
      }
      if (await this.indexPage(page, target)) {
        afterSeq = page.at(-1)!.seq;
        failures = 0;
        await this.logProgress(target.recordedAs, false);
      } else {
        failures += 1;
        await sleep(this.retryDelayMs(failures), undefined, { signal: this.stopping.signal });
      }
    }
  }

  /**
   * Indexes a page into the new space; false when a document of it failed and is to be tried again.
   * A document that cannot be indexed there (permanently, or after SEARCH_INDEX_MAX_ATTEMPTS tries) is
   * marked failed with the reason, so one bad document never holds the re-index up.
   */
  private async indexPage(page: readonly DocumentToIndex[], target: WriteTargets): Promise<boolean> {
    const owned = page.map((document) => ({ ...document, apiKeyId: null }));
    try {
      await this.indexer.index(owned, target);
      return true;
    } catch {
      // Tried alone below, so one bad document fails only itself.
    }
    let done = true;
    for (const document of owned) {
      try {
        await this.indexer.index([document], target);
        this.attempts.delete(document.id);
      } catch (error) {
        const attempts = (this.attempts.get(document.id) ?? 0) + 1;
        this.attempts.set(document.id, attempts);
        const reason = error instanceof Error ? error.message : String(error);
        if (DocumentIndexer.isPermanent(error) || attempts >= this.config.SEARCH_INDEX_MAX_ATTEMPTS) {
          this.logger.warn(
            `document ${document.id} could not be indexed into ${target.recordedAs}: ${reason}`,
          );
          await this.documents.markFailed(document, `indexing into ${target.recordedAs} failed: ${reason}`);
          this.attempts.delete(document.id);
        } else {
          this.logger.warn(`indexing document ${document.id} into ${target.recordedAs} failed: ${reason}`);
          done = false;
        }
      }
    }
    return done;
  }

  private retryDelayMs(failures: number): number {
    const { SEARCH_INDEX_RETRY_BASE_MS: base, SEARCH_INDEX_RETRY_MAX_MS: max } = this.config;
    return Math.min(max, base * 2 ** Math.min(failures - 1, 20));
  }

  private async logProgress(spaceId: string, always: boolean): Promise<void> {
    if (!always && Date.now() - this.lastLog < PROGRESS_LOG_MS) return;
    this.lastLog = Date.now();
    const { indexed, total } = await this.spaces.progress(spaceId);
    this.logger.log(`re-indexing into ${spaceId}: ${indexed} of ${total} indexed documents done`);
  }
}
