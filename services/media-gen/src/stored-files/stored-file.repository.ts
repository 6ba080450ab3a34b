import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';

export interface StoredFileRow {
  id: string;
  seq: string;
  userId: string;
  filename: string | null;
  contentType: string;
  bytes: number;
  sha256: string;
  storageKey: string;
  createdAt: Date;
}

const SELECT = `SELECT id, seq::text AS seq, user_id AS "userId", filename, content_type AS "contentType",
    bytes::float8 AS bytes, sha256, storage_key AS "storageKey", created_at AS "createdAt"
  FROM stored_files`;

/** Uploaded files' records; every query is scoped to the user whose request it serves. */
@Injectable()
export class StoredFileRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(file: Omit<StoredFileRow, 'seq' | 'createdAt'>): Promise<StoredFileRow> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO stored_files (id, user_id, filename, content_type, bytes, sha256, storage_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [file.id, file.userId, file.filename, file.contentType, file.bytes, file.sha256, file.storageKey],
    );
    const stored = await this.find(file.userId, rows[0]!.id);
    if (!stored) throw new Error(`stored file ${file.id} vanished as it was written`);
    return stored;
  }

  async find(userId: string, id: string): Promise<StoredFileRow | null> {
    const { rows } = await this.pool.query<StoredFileRow>(`${SELECT} WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Newest first, one page past `beforeSeq`. */
  async list(userId: string, page: { limit: number; beforeSeq?: string }): Promise<StoredFileRow[]> {
    const params: unknown[] = [userId, page.limit];
    const before = page.beforeSeq === undefined ? '' : `AND seq < $${params.push(page.beforeSeq)}`;
    const { rows } = await this.pool.query<StoredFileRow>(
      // `stored_files.seq`: a bare `seq` would sort by the text column of the select list.
      `${SELECT} WHERE user_id = $1 ${before} ORDER BY stored_files.seq DESC LIMIT $2`,
      params,
    );
    return rows;
  }

  /** Whether the user had such a file (and now has not). */
  async delete(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM stored_files WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
