import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { BatchError, BatchStatus } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';
import { BatchFileRepository, type StoredBatchFile } from './batch-file.repository';

export interface StoredBatch {
  id: string;
  userId: string;
  apiKeyId: string | null;
  inputFileId: string;
  endpoint: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  status: BatchStatus;
  errors: BatchError[] | null;
  outputFileId: string | null;
  errorFileId: string | null;
  total: number;
  completed: number;
  failed: number;
  attempts: number;
  createdAt: Date;
  inProgressAt: Date | null;
  expiresAt: Date;
  finalizingAt: Date | null;
  completedAt: Date | null;
  failedAt: Date | null;
  expiredAt: Date | null;
  cancellingAt: Date | null;
  cancelledAt: Date | null;
}

export type NewBatch = Pick<
  StoredBatch,
  'id' | 'userId' | 'apiKeyId' | 'inputFileId' | 'endpoint' | 'completionWindow' | 'metadata' | 'expiresAt'
>;

/** How a line runs: through the chat service, or in its model provider's own batch API. */
export type RequestRoute = 'chat' | 'provider';
export type RequestStatus = 'pending' | 'succeeded' | 'failed';

export interface NewBatchRequest {
  line: number;
  customId: string | null;
  body: unknown;
  model: string | null;
  route: RequestRoute;
  /** `failed` for a line that is no request (its `error` says why), else `pending`. */
  status: RequestStatus;
  response: unknown;
  error: unknown;
}

export interface StoredBatchRequest {
  line: number;
  customId: string | null;
  body: unknown;
  model: string | null;
  route: RequestRoute;
  status: RequestStatus;
  response: unknown;
  error: unknown;
}

export interface RequestOutcome {
  status: 'succeeded' | 'failed';
  response: unknown;
  error: unknown;
  costUsd: number | null;
}

const SELECT = `SELECT id, user_id AS "userId", api_key_id AS "apiKeyId", input_file_id AS "inputFileId",
    endpoint, completion_window AS "completionWindow", metadata, status, errors,
    output_file_id AS "outputFileId", error_file_id AS "errorFileId", total, completed, failed, attempts,
    created_at AS "createdAt", in_progress_at AS "inProgressAt", expires_at AS "expiresAt",
    finalizing_at AS "finalizingAt", completed_at AS "completedAt", failed_at AS "failedAt",
    expired_at AS "expiredAt", cancelling_at AS "cancellingAt", cancelled_at AS "cancelledAt"
  FROM batches`;

/** Inserted per statement, so one statement's parameters stay far below Postgres' limit. */
const INSERT_CHUNK = 1_000;

/** Batches and their request lines; every query a user's request makes is scoped to that user. */
@Injectable()
export class BatchRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly files: BatchFileRepository,
  ) {}

  async insert(batch: NewBatch): Promise<StoredBatch> {
    await this.pool.query(
      `INSERT INTO batches (id, user_id, api_key_id, input_file_id, endpoint, completion_window, metadata,
         status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'validating', $8)`,
      [
        batch.id,
        batch.userId,
        batch.apiKeyId,
        batch.inputFileId,
        batch.endpoint,
        batch.completionWindow,
        batch.metadata === null ? null : JSON.stringify(batch.metadata),
        batch.expiresAt,
      ],
    );
    return (await this.findById(batch.id))!;
  }

  async find(userId: string, id: string): Promise<StoredBatch | null> {
    const { rows } = await this.pool.query<StoredBatch>(`${SELECT} WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** For the worker, which has the batch's id from its own stream. */
  async findById(id: string): Promise<StoredBatch | null> {
    const { rows } = await this.pool.query<StoredBatch>(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Newest first, one page after the batch `after`. */
  async list(userId: string, query: { limit: number; after?: string }): Promise<StoredBatch[]> {
    const params: unknown[] = [userId, query.limit];
    let after = '';
    if (query.after) {
      params.push(query.after);
      after = `AND seq < (SELECT seq FROM batches WHERE user_id = $1 AND id = $3)`;
    }
    const { rows } = await this.pool.query<StoredBatch>(
      `${SELECT} WHERE user_id = $1 ${after} ORDER BY seq DESC LIMIT $2`,
      params,
    );
    return rows;
  }

  async countAttempt(id: string): Promise<StoredBatch | null> {
    const { rows } = await this.pool.query<StoredBatch>(
      `WITH u AS (UPDATE batches SET attempts = attempts + 1 WHERE id = $1 RETURNING id) ${SELECT} WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Whether a batch still has to read the file (it reads it once, while validating). */
  async isFileInUse(fileId: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM batches WHERE input_file_id = $1 AND status = 'validating' LIMIT 1`,
      [fileId],
    );
    return rows.length > 0;
  }

  /**
   * Stores the lines of a validating batch and moves it to `in_progress`, in one transaction: a batch
   * validated again (its worker died) finds its lines stored once.
   */
  async startRunning(id: string, requests: readonly NewBatchRequest[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `UPDATE batches SET status = 'in_progress', in_progress_at = now(), total = $2,
           failed = $3 WHERE id = $1 AND status = 'validating'`,
        [id, requests.length, requests.filter((r) => r.status === 'failed').length],
      );
      if (rowCount === 1) {
        for (let start = 0; start < requests.length; start += INSERT_CHUNK) {
          const chunk = requests.slice(start, start + INSERT_CHUNK);
          await client.query(
            `INSERT INTO batch_requests (batch_id, line, custom_id, body, model, route, status, response, error,
               finished_at)
             SELECT $1, r.line, r.custom_id, r.body, r.model, r.route, r.status, r.response, r.error,
               CASE WHEN r.status = 'pending' THEN NULL ELSE now() END
             FROM jsonb_to_recordset($2::jsonb) AS r(line int, custom_id text, body jsonb, model text, route text,
               status text, response jsonb, error jsonb)`,
            [
              id,
              JSON.stringify(
                chunk.map((r) => ({
                  line: r.line,
                  custom_id: r.customId,
                  body: r.body,
                  model: r.model,
                  route: r.route,
                  status: r.status,
                  response: r.response,
                  error: r.error,
                })),
              ),
            ],
          );
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The batch's lines still to run on `route`, in line order, after line `afterLine`. */
  async pendingRequests(
    id: string,
    route: RequestRoute,
    afterLine: number,
    limit: number,
  ): Promise<StoredBatchRequest[]> {
    const { rows } = await this.pool.query<StoredBatchRequest>(
      `SELECT line, custom_id AS "customId", body, model, route, status, response, error FROM batch_requests
       WHERE batch_id = $1 AND route = $2 AND status = 'pending' AND line > $3 ORDER BY line LIMIT $4`,
      [id, route, afterLine, limit],
    );
    return rows;
  }

  /**
   * Stores a line's outcome once, counting it in the batch's request counts in the same statement; false
   * when it was stored already (a line run again after its worker died is not counted twice).
   */
  async recordOutcome(id: string, line: number, outcome: RequestOutcome): Promise<boolean> {
    const { rows } = await this.pool.query<{ stored: number }>(
      `WITH u AS (
         UPDATE batch_requests SET status = $3, response = $4, error = $5, cost_usd = $6, finished_at = now()
         WHERE batch_id = $1 AND line = $2 AND status = 'pending' RETURNING status
       ), c AS (
         UPDATE batches SET completed = completed + (SELECT count(*) FROM u WHERE status = 'succeeded'),
           failed = failed + (SELECT count(*) FROM u WHERE status = 'failed')
         WHERE id = $1 AND EXISTS (SELECT 1 FROM u)
       )
       SELECT count(*)::int AS stored FROM u`,
      [
        id,
        line,
        outcome.status,
        JSON.stringify(outcome.response),
        JSON.stringify(outcome.error),
        outcome.costUsd,
      ],
    );
    return rows[0]?.stored === 1;
  }

  /** Every line, in order, for writing the output and error files. */
  async allRequests(id: string): Promise<StoredBatchRequest[]> {
    const { rows } = await this.pool.query<StoredBatchRequest>(
      `SELECT line, custom_id AS "customId", body, model, route, status, response, error FROM batch_requests
       WHERE batch_id = $1 ORDER BY line`,
      [id],
    );
    return rows;
  }

  /** `cancelling` for a batch not yet finalizing or finished; null when it is not the user's or too late. */
  async markCancelling(userId: string, id: string): Promise<StoredBatch | null> {
    const { rowCount } = await this.pool.query(
      `UPDATE batches SET status = 'cancelling', cancelling_at = now()
       WHERE user_id = $1 AND id = $2 AND status IN ('validating', 'in_progress')`,
      [userId, id],
    );
    return rowCount === 1 ? this.find(userId, id) : null;
  }

  /** in_progress → finalizing; false when it is no longer in progress (cancelled meanwhile). */
  async markFinalizing(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE batches SET status = 'finalizing', finalizing_at = now() WHERE id = $1 AND status = 'in_progress'`,
      [id],
    );
    return rowCount === 1;
  }

  /** The batch failed as a whole (its file could not be run). */
  async fail(id: string, errors: BatchError[]): Promise<void> {
    await this.pool.query(
      `UPDATE batches SET status = 'failed', failed_at = now(), errors = $2
       WHERE id = $1 AND status IN ('validating', 'in_progress', 'cancelling')`,
      [id, JSON.stringify(errors)],
    );
  }

  /**
   * Ends the batch with its output files, stored with the move to the final status in one transaction.
   * The files' ids are fixed per batch, so finishing again (a worker died here) stores them once.
   */
  async finish(
    id: string,
    status: 'completed' | 'cancelled' | 'expired',
    files: {
      output: Omit<StoredBatchFile, 'createdAt'> | null;
      error: Omit<StoredBatchFile, 'createdAt'> | null;
    },
  ): Promise<void> {
    const stamp = { completed: 'completed_at', cancelled: 'cancelled_at', expired: 'expired_at' }[status];
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `UPDATE batches SET status = $2, ${stamp} = now(), output_file_id = $3, error_file_id = $4
         WHERE id = $1 AND status IN ('in_progress', 'finalizing', 'cancelling')`,
        [id, status, files.output?.id ?? null, files.error?.id ?? null],
      );
      if (rowCount === 1) {
        if (files.output) await this.files.insert(files.output, client);
        if (files.error) await this.files.insert(files.error, client);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
