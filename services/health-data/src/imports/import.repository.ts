import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  MAX_KEPT_REJECTIONS,
  type HealthImport,
  type HealthImportKind,
  type ImportRejection,
  type ImportStatus,
} from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

interface ImportRow {
  id: string;
  user_id: string;
  kind: HealthImportKind;
  status: ImportStatus;
  filename: string | null;
  processed: number;
  total: number | null;
  samples_stored: number;
  rejected_count: number;
  rejections: ImportRejection[];
  failure_reason: string | null;
  attempts: number;
  accepted_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface StoredImport extends HealthImport {
  userId: string;
  attempts: number;
}

/** The owner of imports no user sent (Garmin webhooks): no user's request can reach them. */
export const NO_OWNER = '';

const isFinished = (status: ImportStatus) => status === 'succeeded' || status === 'failed';

/** Imports and where they stand; every query a user's request makes is scoped to that user. */
@Injectable()
export class ImportRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Records a delivery of an import: created `running` on its first, its attempts counted on each.
   * Answers the import as it stands (a finished one stays finished).
   */
  async begin(input: {
    id: string;
    userId: string;
    kind: HealthImportKind;
    filename: string | null;
    acceptedAt: string;
  }): Promise<StoredImport> {
    const { rows } = await this.pool.query<ImportRow>(
      `INSERT INTO imports (id, user_id, kind, filename, status, attempts, accepted_at)
       VALUES ($1, $2, $3, $4, 'running', 1, $5)
       ON CONFLICT (id) DO UPDATE SET
         attempts = imports.attempts + CASE WHEN imports.status IN ('succeeded', 'failed') THEN 0 ELSE 1 END,
         status = CASE WHEN imports.status IN ('succeeded', 'failed') THEN imports.status ELSE 'running' END,
         updated_at = now()
       RETURNING *`,
      [input.id, input.userId, input.kind, input.filename, input.acceptedAt],
    );
    return toImport(rows[0]!);
  }

  async progress(id: string, progress: { processed: number; total: number | null }): Promise<void> {
    await this.pool.query(
      `UPDATE imports SET processed = $2, total = $3, updated_at = now() WHERE id = $1 AND status = 'running'`,
      [id, progress.processed, progress.total],
    );
  }

  /** Ends an import with its outcome; an import that already finished keeps the outcome it had. */
  async finish(
    id: string,
    outcome: {
      status: 'succeeded' | 'failed';
      processed: number;
      total: number | null;
      samplesStored: number;
      rejectedCount: number;
      rejections: ImportRejection[];
      failureReason: string | null;
    },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE imports SET status = $2, processed = $3, total = $4, samples_stored = $5, rejected_count = $6,
         rejections = $7, failure_reason = $8, updated_at = now(), finished_at = now()
       WHERE id = $1 AND status NOT IN ('succeeded', 'failed')`,
      [
        id,
        outcome.status,
        outcome.processed,
        outcome.total,
        outcome.samplesStored,
        outcome.rejectedCount,
        JSON.stringify(outcome.rejections.slice(0, MAX_KEPT_REJECTIONS)),
        outcome.failureReason,
      ],
    );
  }

  async find(userId: string, id: string): Promise<StoredImport | null> {
    const { rows } = await this.pool.query<ImportRow>(
      `SELECT * FROM imports WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return rows[0] ? toImport(rows[0]) : null;
  }
}

export { isFinished };

function toImport(row: ImportRow): StoredImport {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    status: row.status,
    filename: row.filename,
    progress: { processed: row.processed, total: row.total },
    samplesStored: row.samples_stored,
    rejectedCount: row.rejected_count,
    rejections: row.rejections,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    acceptedAt: row.accepted_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
