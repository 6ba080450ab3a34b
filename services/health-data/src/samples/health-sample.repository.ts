import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { HealthSample } from '@conduit/contracts';
import { inTransaction } from '@conduit/db';
import { PG_POOL } from '@conduit/service-kit';
import { applyRollups, PendingRollups, type HourChange } from './rollups';

export interface SampleWriteOptions {
  /** The import that writes them, kept on each sample. */
  importId?: string;
  /**
   * Each (source, recordKey) in the batch is a whole new revision of that record (a day summary, a
   * sleep, an activity): the record's stored samples that the revision no longer has are removed, so
   * they disappear, and those it has again are upserted (unchanged ones not rewritten). Every call must
   * then carry all of a record's samples.
   */
  replaceRecords?: boolean;
}

export interface SampleWriteResult {
  /** Samples written (new ones and ones that replaced an earlier value). */
  stored: number;
  /** Samples of earlier revisions that the new one no longer has, removed (`replaceRecords`). */
  removed: number;
}

/** Rows per INSERT statement: bounded so one statement's arrays stay a few MB. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Writes samples within one open transaction. The first write for a user takes that user's
 * transaction-scoped advisory lock, so two writers of one user's rollups run one after the other.
 */
export class SampleTransaction {
  private readonly lockedUsers = new Set<string>();
  private readonly rollups = new Map<string, PendingRollups>();

  constructor(readonly client: PoolClient) {}

  /**
   * Idempotently stores a user's normalised samples (callers validate them with HealthSampleSchema):
   * a sample that is already stored, by (user, source, metric, recordKey, startAt), gets the new value,
   * unit, end and details (the newest write wins); within one batch the last of equal keys wins. A sample
   * stored again unchanged is not rewritten (it keeps its import id) and leaves its hour's rollups alone.
   * The hourly and daily rollups of every hour changed are brought up to date before the transaction
   * commits ({@link flushRollups}), once per hour however many batches touched it.
   */
  async upsertSamples(
    userId: string,
    samples: readonly HealthSample[],
    options: SampleWriteOptions = {},
  ): Promise<SampleWriteResult> {
    if (samples.length === 0) return { stored: 0, removed: 0 };
    await this.lockUser(userId);
    const pending = this.pendingFor(userId);
    const unique = lastOfEachKey(samples);
    for (let at = 0; at < unique.length; at += ROWS_PER_STATEMENT) {
      const chunk = unique.slice(at, at + ROWS_PER_STATEMENT);
      // Per changed hour: what was written, and whether it was only new rows. A row the upsert updated
      // carries the conflict's row lock in xmax; a freshly inserted one has xmax 0.
      const { rows } = await this.client.query<HourChange>(
        `WITH written AS (
           INSERT INTO samples AS s (user_id, source, metric, record_key, start_at, end_at, value, unit, details, import_id, updated_at)
           SELECT $1, source, metric, record_key, start_at, end_at, value, unit, details, $10::uuid, now()
           FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                       $7::float8[], $8::text[], $9::jsonb[])
             AS t(source, metric, record_key, start_at, end_at, value, unit, details)
           ON CONFLICT (user_id, source, metric, record_key, start_at) DO UPDATE SET
             end_at = EXCLUDED.end_at, value = EXCLUDED.value, unit = EXCLUDED.unit,
             details = EXCLUDED.details, import_id = EXCLUDED.import_id, updated_at = now()
           WHERE (s.end_at, s.value, s.unit, s.details)
             IS DISTINCT FROM (EXCLUDED.end_at, EXCLUDED.value, EXCLUDED.unit, EXCLUDED.details)
           RETURNING s.metric, s.source, date_trunc('hour', s.start_at, 'UTC') AS hour, s.value, s.xmax = '0' AS inserted)
         SELECT metric, source, hour, bool_and(inserted) AS additive,
                count(*)::int AS count, sum(value) AS sum, min(value) AS min, max(value) AS max
         FROM written GROUP BY metric, source, hour`,
        [
          userId,
          chunk.map((s) => s.source),
          chunk.map((s) => s.metric),
          chunk.map((s) => s.recordKey),
          chunk.map((s) => s.startAt),
          chunk.map((s) => s.endAt),
          chunk.map((s) => s.value),
          chunk.map((s) => s.unit),
          chunk.map((s) => (s.details === undefined ? null : JSON.stringify(s.details))),
          options.importId ?? null,
        ],
      );
      for (const row of rows) pending.add(row);
    }
    const removed = options.replaceRecords ? await this.removeDroppedSamples(userId, unique, pending) : 0;
    return { stored: unique.length, removed };
  }

  /**
   * Removes the samples of the batch's records that the batch no longer has (run after its upsert). Once
   * the batch is stored, a record holds exactly the batch's samples of it unless it holds more, so only
   * records with more rows than that are compared sample by sample: a new record, or one sent again
   * unchanged, costs one indexed count.
   */
  private async removeDroppedSamples(
    userId: string,
    unique: readonly HealthSample[],
    pending: PendingRollups,
  ): Promise<number> {
    const records = new Map<string, { source: string; recordKey: string; samples: number }>();
    for (const { source, recordKey } of unique) {
      const key = `${source}\u0000${recordKey}`;
      const record = records.get(key) ?? { source, recordKey, samples: 0 };
      record.samples += 1;
      records.set(key, record);
    }
    const list = [...records.values()];
    const { rows: revised } = await this.client.query<{ source: string; record_key: string }>(
      `SELECT r.source, r.record_key
       FROM unnest($2::text[], $3::text[], $4::int[]) AS r(source, record_key, samples)
       WHERE (SELECT count(*) FROM samples s
              WHERE s.user_id = $1 AND s.source = r.source AND s.record_key = r.record_key) > r.samples`,
      [userId, list.map((r) => r.source), list.map((r) => r.recordKey), list.map((r) => r.samples)],
    );
    if (revised.length === 0) return 0;
    const revisedKeys = new Set(revised.map((r) => `${r.source}\u0000${r.record_key}`));
    const kept = unique.filter((s) => revisedKeys.has(`${s.source}\u0000${s.recordKey}`));
    const { rows } = await this.client.query<{ metric: string; source: string; hour: Date; removed: string }>(
      `WITH kept AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[])
           AS t(source, record_key, metric, start_at)),
       gone AS (
         DELETE FROM samples s USING (SELECT DISTINCT source, record_key FROM kept) AS r
         WHERE s.user_id = $1 AND s.source = r.source AND s.record_key = r.record_key
           AND NOT EXISTS (
             SELECT 1 FROM kept k
             WHERE k.source = s.source AND k.record_key = s.record_key AND k.metric = s.metric
               AND k.start_at = s.start_at)
         RETURNING s.metric, s.source, date_trunc('hour', s.start_at, 'UTC') AS hour)
       SELECT metric, source, hour, count(*)::text AS removed FROM gone GROUP BY metric, source, hour`,
      [
        userId,
        kept.map((s) => s.source),
        kept.map((s) => s.recordKey),
        kept.map((s) => s.metric),
        kept.map((s) => s.startAt),
      ],
    );
    let removed = 0;
    for (const row of rows) {
      pending.removed(row.metric, row.source, row.hour);
      removed += Number(row.removed);
    }
    return removed;
  }

  /**
   * Applies the rollup changes gathered since the last call. The repository calls it before every
   * commit; call it yourself only to read rollups inside the transaction.
   */
  async flushRollups(): Promise<void> {
    for (const [userId, pending] of this.rollups) await applyRollups(this.client, userId, pending.take());
  }

  /** Removes a user's samples and rollups (of one source, or all); the number of samples removed. */
  async eraseSamples(userId: string, source: string | undefined): Promise<number> {
    await this.lockUser(userId);
    await this.flushRollups();
    const bySource = source === undefined ? '' : ' AND source = $2';
    const params = source === undefined ? [userId] : [userId, source];
    const { rowCount } = await this.client.query(`DELETE FROM samples WHERE user_id = $1${bySource}`, params);
    await this.client.query(`DELETE FROM rollups_hourly WHERE user_id = $1${bySource}`, params);
    await this.client.query(`DELETE FROM rollups_daily WHERE user_id = $1${bySource}`, params);
    return rowCount ?? 0;
  }

  private pendingFor(userId: string): PendingRollups {
    let pending = this.rollups.get(userId);
    if (!pending) {
      pending = new PendingRollups();
      this.rollups.set(userId, pending);
    }
    return pending;
  }

  private async lockUser(userId: string): Promise<void> {
    if (this.lockedUsers.has(userId)) return;
    await this.client.query(`SELECT pg_advisory_xact_lock(hashtextextended('health-samples:' || $1, 0))`, [
      userId,
    ]);
    this.lockedUsers.add(userId);
  }
}

/**
 * The time series store's write side: every importer (FIT files, Garmin summaries, lab results, Apple
 * Health exports) hands its normalised samples here.
 */
@Injectable()
export class HealthSampleRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Idempotently stores a batch of a user's normalised samples in one transaction of its own (see
   * {@link SampleTransaction.upsertSamples}): sending the same batch twice stores each sample once.
   */
  upsertSamples(
    userId: string,
    samples: readonly HealthSample[],
    options: SampleWriteOptions = {},
  ): Promise<SampleWriteResult> {
    return this.inTransaction((tx) => tx.upsertSamples(userId, samples, options));
  }

  /** Runs `work` in one transaction: everything it wrote is committed together, or nothing when it throws. */
  inTransaction<T>(work: (tx: SampleTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      const tx = new SampleTransaction(client);
      const result = await work(tx);
      await tx.flushRollups();
      return result;
    });
  }
}

function sampleKey(sample: HealthSample): string {
  return `${sample.source}\u0000${sample.metric}\u0000${sample.recordKey}\u0000${Date.parse(sample.startAt)}`;
}

/** The last sample of each key, in the order of those last ones (one Map write per sample, no deletes). */
function lastOfEachKey(samples: readonly HealthSample[]): HealthSample[] {
  const keys = samples.map(sampleKey);
  const lastAt = new Map<string, number>();
  for (let at = 0; at < keys.length; at += 1) lastAt.set(keys[at]!, at);
  if (lastAt.size === samples.length) return [...samples];
  return samples.filter((_, at) => lastAt.get(keys[at]!) === at);
}
