import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { MEMORY_COLLECTION } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';
import { inTransaction, lockKey } from '@conduit/db';
import type { NewDocument } from '../documents/document.repository';

export type RememberOutcome = 'stored' | 'duplicate' | 'forgotten';

export interface RememberedRow {
  id: string;
  source: string | null;
  tags: string[];
  text: string;
  seq: string;
  created_at: Date;
}

/**
 * Remembered chat messages: documents of the memory collection, every query scoped to the owner. Their
 * chunks are written and removed by the indexing that serves every document.
 */
@Injectable()
export class MemoryRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Stores the message of a chat session as a pending document: `stored`, or `duplicate` when it was
   * stored before (a redelivery), or `forgotten` when its session was deleted (the message came late).
   */
  async remember(userId: string, sessionId: string, message: NewDocument): Promise<RememberOutcome> {
    return inTransaction(this.pool, async (client) => {
      // Serialised with forgetting the session, so a message stored meanwhile cannot escape it.
      await lockKey(client, sessionLockKey(userId, sessionId));
      const forgotten = await client.query(
        'SELECT 1 FROM forgotten_sessions WHERE user_id = $1 AND session_id = $2',
        [userId, sessionId],
      );
      if ((forgotten.rowCount ?? 0) > 0) return 'forgotten';
      const result = await client.query(
        `INSERT INTO documents (id, user_id, collection, title, source, tags, date, text, content_type,
           content_hash, text_length, status)
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, 'pending')
         ON CONFLICT (id) DO NOTHING`,
        [
          message.id,
          userId,
          MEMORY_COLLECTION,
          message.source,
          message.tags,
          message.date,
          message.text,
          message.contentType,
          message.contentHash,
          message.text.length,
        ],
      );
      return (result.rowCount ?? 0) > 0 ? 'stored' : 'duplicate';
    });
  }

  /**
   * Records that the session was deleted, so none of its messages is remembered from now on (those
   * stored before are still to be forgotten by the caller). Idempotent.
   */
  async markSessionForgotten(userId: string, sessionId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await lockKey(client, sessionLockKey(userId, sessionId));
      await client.query(
        `INSERT INTO forgotten_sessions (user_id, session_id) VALUES ($1, $2)
         ON CONFLICT (user_id, session_id) DO NOTHING`,
        [userId, sessionId],
      );
    });
  }

  /** Newest first, one page past `beforeSeq`; of one session when `source` is given (by the column, not its text). */
  async list(
    userId: string,
    page: { limit: number; beforeSeq?: string; source?: string },
  ): Promise<RememberedRow[]> {
    const params: unknown[] = [userId, MEMORY_COLLECTION];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['user_id = $1', 'collection = $2'];
    if (page.source !== undefined) where.push(`source = ${param(page.source)}`);
    if (page.beforeSeq !== undefined) where.push(`seq < ${param(page.beforeSeq)}::bigint`);
    const { rows } = await this.pool.query<RememberedRow>(
      `SELECT id, source, tags, text, seq::text, created_at FROM documents WHERE ${where.join(' AND ')}
       ORDER BY documents.seq DESC LIMIT ${param(page.limit)}`,
      params,
    );
    return rows;
  }

  /** The ids of the user's remembered messages: one (`id`), or every one of a session (`source`). */
  async idsOf(userId: string, which: { id: string } | { source: string }): Promise<string[]> {
    const [column, value] = 'id' in which ? ['id', which.id] : ['source', which.source];
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM documents WHERE user_id = $1 AND collection = $2 AND ${column} = $3`,
      [userId, MEMORY_COLLECTION, value],
    );
    return rows.map((row) => row.id);
  }
}

const sessionLockKey = (userId: string, sessionId: string) => `search.memory.session/${userId}/${sessionId}`;
