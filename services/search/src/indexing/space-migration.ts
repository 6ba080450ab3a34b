import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Pool } from 'pg';
import { InjectConfig, PG_POOL } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import { DocumentQueue } from '../documents/document-queue';
import { SearchEngine } from '../engine/search-engine';

const PAGE = 500;
/** Postgres advisory lock key: one replica at a time queues the documents of an old embedding space. */
const LOCK_KEY = 0x5ea4c401;

/**
 * After the embedding model (or its size) changed, queues every document indexed in another space to
 * be indexed again in the current one, in the background: the indexer picks them up like any accepted
 * document. One replica does it (an advisory lock); a restart midway queues what is still left.
 */
@Injectable()
export class SpaceMigration implements OnApplicationBootstrap {
  private readonly logger = new Logger(SpaceMigration.name);
  private running: Promise<void> | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly queue: DocumentQueue,
    private readonly engine: SearchEngine,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SEARCH_INDEXER_ENABLED) return;
    this.running = this.queueStaleDocuments().catch((error: unknown) =>
      this.logger.error(`queueing documents of an older embedding space failed: ${String(error)}`),
    );
  }

  /** Resolves once the documents of older spaces are queued (for tests and shutdown). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async queueStaleDocuments(): Promise<void> {
    const space = this.engine.embedder.space.id;
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        LOCK_KEY,
      ]);
      if (!rows[0]?.locked) return;
      try {
        let afterSeq = '0';
        let queued = 0;
        for (;;) {
          const page = await client.query<{ seq: string; user_id: string; id: string; revision: number }>(
            `SELECT seq::text, user_id, id, revision FROM documents
             WHERE status = 'indexed' AND embedding_space IS DISTINCT FROM $1 AND seq > $2::bigint
             ORDER BY seq LIMIT ${PAGE}`,
            [space, afterSeq],
          );
          for (const row of page.rows) {
            await this.queue.enqueue(
              { userId: row.user_id, apiKeyId: null },
              [{ id: row.id, revision: row.revision }],
              {
                again: true,
              },
            );
          }
          queued += page.rows.length;
          if (page.rows.length < PAGE) break;
          afterSeq = page.rows[page.rows.length - 1]!.seq;
        }
        if (queued > 0) this.logger.log(`queued ${queued} documents to be indexed again in ${space}`);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }
}
