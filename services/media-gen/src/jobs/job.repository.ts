import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { FinalJobStatus, JobStatus, StoredImageJobInput, StoredVideoJobInput } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

export interface StoredResult {
  index: number;
  storageKey: string;
  contentType: string;
  bytes: number;
  metadata: Record<string, unknown>;
}

/** What a job makes, told apart by `kind`. */
export type JobSpec =
  { kind: 'image'; input: StoredImageJobInput } | { kind: 'video'; input: StoredVideoJobInput };

export type StoredJob = JobSpec & {
  id: string;
  seq: string;
  userId: string;
  apiKeyId: string | null;
  model: string;
  status: JobStatus;
  progress: number | null;
  attempts: number;
  /** The last fault, kept while the job waits to be tried again; the reason once it failed. */
  failureReason: string | null;
  /** The provider's id of the work an earlier attempt started (a video being made), to follow it. */
  providerRef: string | null;
  inputHash: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  results: StoredResult[];
};

/** What taking a job for an attempt found (see {@link JobRepository.startAttempt}). */
export type AttemptStart =
  { kind: 'started'; job: StoredJob } | { kind: 'held'; leaseLeftMs: number } | { kind: 'finished' };

export type NewJob = JobSpec & {
  id: string;
  userId: string;
  apiKeyId: string | null;
  model: string;
  inputHash: string;
  idempotencyKey: string | null;
};

interface JobRow {
  id: string;
  seq: string;
  user_id: string;
  api_key_id: string | null;
  kind: JobSpec['kind'];
  model: string;
  input: JobSpec['input'];
  status: JobStatus;
  progress: number | null;
  attempts: number;
  failure_reason: string | null;
  provider_ref: string | null;
  input_hash: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  results: StoredResult[];
}

/** The job's own columns. */
const COLUMNS = `j.id, j.seq::text, j.user_id, j.api_key_id, j.kind, j.model, j.input, j.status, j.progress,
    j.attempts, j.failure_reason, j.provider_ref, j.input_hash, j.created_at, j.updated_at, j.finished_at`;

/** The job's own columns, and its results as one JSON array (in index order). */
const SELECT = `SELECT ${COLUMNS},
    COALESCE((SELECT json_agg(json_build_object('index', r.index, 'storageKey', r.storage_key,
        'contentType', r.content_type, 'bytes', r.bytes, 'metadata', r.metadata) ORDER BY r.index)
      FROM job_results r WHERE r.job_id = j.id), '[]') AS results
  FROM jobs j`;

const UNFINISHED = `('queued', 'running')`;

/**
 * The statements every job runs (accept, start, succeed) as named prepared statements: each pooled
 * connection has Postgres parse and plan them once, not on every job. Their result columns are listed,
 * never `*`, so a migration that adds a column does not change what a prepared statement answers.
 */
const INSERT_JOB = {
  name: 'media-gen.jobs.insert',
  text: `WITH inserted AS (
      INSERT INTO jobs (id, user_id, api_key_id, kind, model, input, status, input_hash, idempotency_key)
      VALUES ($1, $2, $3, $8, $4, $5, 'queued', $6, $7)
      ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING *)
    SELECT ${COLUMNS}, '[]'::json AS results FROM inserted j`,
};

/**
 * Committed without waiting for the WAL to reach disk (`synchronous_commit` off for this transaction
 * only), which saves each job a disk flush (about 0.2 ms of Postgres CPU and milliseconds of latency on
 * this machine). Safe: a start lost in a Postgres crash leaves the job `queued`, as if no worker had taken
 * it, and its delivery, not yet acknowledged, comes back (another worker may then run it as well, as when
 * a worker dies: its results are still stored once); the worker that took it can still finish it
 * (`succeed` takes a queued job too, and is committed durably, flushing this start with it).
 */
const START_ATTEMPT = {
  name: 'media-gen.jobs.start-attempt',
  text: `WITH started AS (
      UPDATE jobs SET status = 'running', attempts = attempts + 1, progress = NULL,
        started_at = COALESCE(started_at, now()), updated_at = now(),
        lease_until = now() + make_interval(secs => $3::float8 / 1000)
      WHERE user_id = $1 AND id = $2
        AND (status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until <= now())))
      RETURNING *)
    SELECT ${COLUMNS}, '[]'::json AS results
    FROM started j CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS commit_without_flush`,
};

// One statement, so one round trip and all or nothing: the results are written only with the move.
const SUCCEED = {
  name: 'media-gen.jobs.succeed',
  text: `WITH finished AS (
      UPDATE jobs SET status = 'succeeded', progress = 100, failure_reason = NULL, finished_at = now(),
        updated_at = now() WHERE id = $1 AND status IN ${UNFINISHED} RETURNING id),
    stored AS (
      INSERT INTO job_results (job_id, index, storage_key, content_type, bytes, metadata)
      SELECT finished.id, x.index, x."storageKey", x."contentType", x.bytes, x.metadata
      FROM finished, jsonb_to_recordset($2::jsonb)
        AS x(index int, "storageKey" text, "contentType" text, bytes int, metadata jsonb)
      RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM finished) AS finished`,
};

/** Jobs and their results; every query a user's request makes is scoped to that user. */
@Injectable()
export class JobRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Stores a new `queued` job, read back from the insert itself (one round trip); with an idempotency key
   * the user already used, the job stored then instead (`created: false`).
   */
  async insert(job: NewJob): Promise<{ job: StoredJob; created: boolean }> {
    const { rows } = await this.pool.query<JobRow>({
      ...INSERT_JOB,
      values: [
        job.id,
        job.userId,
        job.apiKeyId,
        job.model,
        JSON.stringify(job.input),
        job.inputHash,
        job.idempotencyKey,
        job.kind,
      ],
    });
    if (rows[0]) return { job: jobOf(rows[0]), created: true };
    const stored = await this.findOne(`WHERE j.user_id = $1 AND j.idempotency_key = $2`, [
      job.userId,
      job.idempotencyKey,
    ]);
    if (!stored) throw new Error(`job ${job.id} vanished as it was stored`);
    return { job: stored, created: false };
  }

  find(userId: string, id: string): Promise<StoredJob | null> {
    return this.findOne(`WHERE j.user_id = $1 AND j.id = $2`, [userId, id]);
  }

  /** Newest first, one page past `beforeSeq`. */
  async list(
    userId: string,
    filter: { status?: JobStatus; limit: number; beforeSeq?: string },
  ): Promise<StoredJob[]> {
    const params: unknown[] = [userId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['j.user_id = $1'];
    if (filter.status) where.push(`j.status = ${param(filter.status)}`);
    if (filter.beforeSeq) where.push(`j.seq < ${param(filter.beforeSeq)}::bigint`);
    const { rows } = await this.pool.query<JobRow>(
      `${SELECT} WHERE ${where.join(' AND ')} ORDER BY j.seq DESC LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map(jobOf);
  }

  /**
   * Takes the job for one attempt: marks it `running` under a lease of `leaseMs` for this worker, counting
   * one more attempt (and when a worker first took it), in one round trip. A job another worker runs under
   * a lease not yet expired is `held` (with how long the lease has left); a finished or deleted one is
   * `finished`. An unfinished job has no results yet.
   */
  async startAttempt(userId: string, id: string, leaseMs: number): Promise<AttemptStart> {
    const { rows } = await this.pool.query<JobRow>({ ...START_ATTEMPT, values: [userId, id, leaseMs] });
    if (rows[0]) return { kind: 'started', job: jobOf(rows[0]) };
    // Not taken: finished, or running under someone's lease. Read apart from the update, so the lease may
    // have lapsed (or the job gone back to the queue) since: still unfinished, it is tried again shortly.
    const { rows: state } = await this.pool.query<{ unfinished: boolean; lease_left_ms: number | null }>(
      `SELECT status IN ${UNFINISHED} AS unfinished,
         GREATEST(0, CEIL(EXTRACT(EPOCH FROM lease_until - now()) * 1000))::int AS lease_left_ms
       FROM jobs WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    if (!state[0]?.unfinished) return { kind: 'finished' };
    return { kind: 'held', leaseLeftMs: state[0].lease_left_ms ?? 0 };
  }

  /** How long the lease on the user's running job has left; 0 when it is not running or the lease lapsed. */
  async leaseLeftMs(userId: string, id: string): Promise<number> {
    const { rows } = await this.pool.query<{ left_ms: number }>(
      `SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM lease_until - now()) * 1000))::int AS left_ms
       FROM jobs WHERE user_id = $1 AND id = $2 AND status = 'running' AND lease_until > now()`,
      [userId, id],
    );
    return rows[0]?.left_ms ?? 0;
  }

  /** Extends this worker's lease on a job it runs; false when the job is no longer running. */
  async renewLease(id: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET lease_until = now() + make_interval(secs => $2::float8 / 1000)
       WHERE id = $1 AND status = 'running'`,
      [id, leaseMs],
    );
    return rowCount === 1;
  }

  async setProgress(id: string, percent: number): Promise<void> {
    await this.pool.query(
      `UPDATE jobs SET progress = $2, updated_at = now() WHERE id = $1 AND status = 'running'`,
      [id, percent],
    );
  }

  /** Remembers the provider's id of the work this attempt started, before it is waited on. */
  async setProviderRef(id: string, ref: string): Promise<void> {
    await this.pool.query(
      `UPDATE jobs SET provider_ref = $2, updated_at = now() WHERE id = $1 AND status = 'running'`,
      [id, ref],
    );
  }

  /** Back to `queued` until it is delivered again, with the fault that sent it back. */
  async requeue(id: string, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE jobs SET status = 'queued', progress = NULL, failure_reason = $2, updated_at = now()
       WHERE id = $1 AND status = 'running'`,
      [id, reason],
    );
  }

  /** Fails an unfinished job for good; false when it had already finished. */
  async fail(id: string, reason: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET status = 'failed', failure_reason = $2, progress = NULL, finished_at = now(),
         updated_at = now() WHERE id = $1 AND status IN ${UNFINISHED}`,
      [id, reason],
    );
    return rowCount === 1;
  }

  /**
   * Stores the results and marks the job `succeeded`, in one transaction and only if it is still running:
   * however often a job is delivered, it ends with one set of results. false when it had finished.
   */
  async succeed(id: string, results: readonly StoredResult[]): Promise<boolean> {
    const { rows } = await this.pool.query<{ finished: boolean }>({
      ...SUCCEED,
      values: [id, JSON.stringify(results)],
    });
    return rows[0]?.finished === true;
  }

  /** Cancels the user's unfinished job: the job, or its status when it had finished, or null when not found. */
  async cancel(userId: string, id: string): Promise<{ cancelled: boolean; job: StoredJob } | null> {
    const { rowCount } = await this.pool.query(
      `UPDATE jobs SET status = 'cancelled', progress = NULL, finished_at = now(), updated_at = now()
       WHERE user_id = $1 AND id = $2 AND status IN ${UNFINISHED}`,
      [userId, id],
    );
    const job = await this.find(userId, id);
    return job ? { cancelled: rowCount === 1, job } : null;
  }

  /** Deletes the user's finished job (its results go with it); whether there was one. */
  async deleteFinished(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM jobs WHERE user_id = $1 AND id = $2 AND status NOT IN ${UNFINISHED}`,
      [userId, id],
    );
    return rowCount === 1;
  }

  private async findOne(where: string, params: unknown[]): Promise<StoredJob | null> {
    const { rows } = await this.pool.query<JobRow>(`${SELECT} ${where}`, params);
    return rows[0] ? jobOf(rows[0]) : null;
  }
}

export const isFinal = (status: JobStatus): status is FinalJobStatus =>
  status === 'succeeded' || status === 'failed' || status === 'cancelled';

function jobOf(row: JobRow): StoredJob {
  return {
    id: row.id,
    seq: row.seq,
    userId: row.user_id,
    apiKeyId: row.api_key_id,
    // The row's kind and input were written together from one JobSpec.
    ...({ kind: row.kind, input: row.input } as JobSpec),
    model: row.model,
    status: row.status,
    progress: row.progress,
    attempts: row.attempts,
    failureReason: row.failure_reason,
    providerRef: row.provider_ref,
    inputHash: row.input_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    results: row.results,
  };
}
