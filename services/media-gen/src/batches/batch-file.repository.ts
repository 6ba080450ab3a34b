import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { BatchFilePurpose } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

export interface StoredBatchFile {
  id: string;
  userId: string;
  purpose: BatchFilePurpose;
  filename: string;
  bytes: number;
  lines: number | null;
  storageKey: string;
  createdAt: Date;
}

interface FileRow {
  id: string;
  user_id: string;
  purpose: BatchFilePurpose;
  filename: string;
  bytes: number;
  lines: number | null;
  storage_key: string;
  created_at: Date;
}

const SELECT = `SELECT id, user_id, purpose, filename, bytes, lines, storage_key, created_at FROM batch_files`;

const toFile = (row: FileRow): StoredBatchFile => ({
  id: row.id,
  userId: row.user_id,
  purpose: row.purpose,
  filename: row.filename,
  bytes: row.bytes,
  lines: row.lines,
  storageKey: row.storage_key,
  createdAt: row.created_at,
});

/** Batch files; every query a user's request makes is scoped to that user. */
@Injectable()
export class BatchFileRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(file: Omit<StoredBatchFile, 'createdAt'>, client: Pool | PoolClient = this.pool) {
    const { rows } = await client.query<FileRow>(
      `INSERT INTO batch_files (id, user_id, purpose, filename, bytes, lines, storage_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, user_id, purpose, filename, bytes, lines, storage_key, created_at`,
      [file.id, file.userId, file.purpose, file.filename, file.bytes, file.lines, file.storageKey],
    );
    return toFile(rows[0]!);
  }

  async find(userId: string, id: string): Promise<StoredBatchFile | null> {
    const { rows } = await this.pool.query<FileRow>(`${SELECT} WHERE user_id = $1 AND id = $2`, [userId, id]);
    return rows[0] ? toFile(rows[0]) : null;
  }

  /** One page in upload order (newest first unless `asc`), after the file `after` when given. */
  async list(
    userId: string,
    query: { purpose?: string; limit: number; order: 'asc' | 'desc'; after?: string },
  ): Promise<StoredBatchFile[]> {
    const params: unknown[] = [userId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['user_id = $1'];
    if (query.purpose) where.push(`purpose = ${param(query.purpose)}`);
    const comparison = query.order === 'asc' ? '>' : '<';
    if (query.after)
      where.push(
        `seq ${comparison} (SELECT seq FROM batch_files WHERE user_id = $1 AND id = ${param(query.after)})`,
      );
    const { rows } = await this.pool.query<FileRow>(
      `${SELECT} WHERE ${where.join(' AND ')} ORDER BY seq ${query.order.toUpperCase()} LIMIT ${param(query.limit)}`,
      params,
    );
    return rows.map(toFile);
  }

  /** Removes the user's file; false when there was none. */
  async delete(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM batch_files WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return rowCount === 1;
  }
}
