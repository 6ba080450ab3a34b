import type { PoolClient } from 'pg';

/** What one write did to the samples of one UTC hour of one metric and source. */
export interface HourChange {
  metric: string;
  source: string;
  hour: Date;
  /**
   * Only new samples were added (count, sum, min, max are theirs), so the stored rollup can be added to.
   * False when samples were replaced or removed: min and max cannot be "un-added", so the hour is
   * recomputed from its samples.
   */
  additive: boolean;
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface PendingHour extends HourChange {
  key: string;
}

/**
 * The rollup changes of one transaction, gathered write by write and applied once before it commits:
 * an hour written by several batches is updated once.
 */
export class PendingRollups {
  private readonly hours = new Map<string, PendingHour>();

  get size(): number {
    return this.hours.size;
  }

  add(change: HourChange): void {
    const key = `${change.metric}\u0000${change.source}\u0000${change.hour.getTime()}`;
    const known = this.hours.get(key);
    if (!known) {
      this.hours.set(key, { ...change, key });
      return;
    }
    known.additive &&= change.additive;
    known.count += change.count;
    known.sum += change.sum;
    known.min = Math.min(known.min, change.min);
    known.max = Math.max(known.max, change.max);
  }

  /** Marks hours whose samples were removed: they are recomputed. */
  removed(metric: string, source: string, hour: Date): void {
    this.add({ metric, source, hour, additive: false, count: 0, sum: 0, min: Infinity, max: -Infinity });
  }

  /** Hands out the gathered changes and forgets them. */
  take(): HourChange[] {
    const all = [...this.hours.values()];
    this.hours.clear();
    return all;
  }
}

/**
 * Brings a user's hourly rollups of the changed hours up to date, then the daily rollups of the UTC
 * days they fall in (from the hourly ones). An hour that only gained samples has them added to its
 * stored figures; an hour where samples were replaced or removed is recomputed from its samples (one
 * indexed read: at most 60 rows an hour for minute-level data), which keeps min and max right.
 */
export async function applyRollups(
  client: PoolClient,
  userId: string,
  changes: readonly HourChange[],
): Promise<void> {
  if (changes.length === 0) return;
  const additive = changes.filter((c) => c.additive);
  const recomputed = changes.filter((c) => !c.additive);
  if (additive.length > 0) {
    await client.query(
      `INSERT INTO rollups_hourly AS r (user_id, metric, source, bucket_start, count, sum, min, max)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::float8[],
                                $7::float8[], $8::float8[])
       ON CONFLICT (user_id, metric, source, bucket_start) DO UPDATE SET
         count = r.count + EXCLUDED.count, sum = r.sum + EXCLUDED.sum,
         min = least(r.min, EXCLUDED.min), max = greatest(r.max, EXCLUDED.max)`,
      [
        userId,
        additive.map((c) => c.metric),
        additive.map((c) => c.source),
        additive.map((c) => c.hour.toISOString()),
        additive.map((c) => c.count),
        additive.map((c) => c.sum),
        additive.map((c) => c.min),
        additive.map((c) => c.max),
      ],
    );
  }
  if (recomputed.length > 0) {
    const params = bucketParams(
      userId,
      recomputed.map((c) => ({ metric: c.metric, source: c.source, start: c.hour.toISOString() })),
    );
    await deleteBuckets(client, 'rollups_hourly', params);
    // One index range read per hour (LATERAL keeps it a nested loop over the few changed hours).
    await client.query(
      `INSERT INTO rollups_hourly (user_id, metric, source, bucket_start, count, sum, min, max)
       SELECT $1, t.metric, t.source, t.bucket, a.count, a.sum, a.min, a.max
       FROM ${BUCKETS}
       CROSS JOIN LATERAL (
         SELECT count(*) AS count, sum(s.value) AS sum, min(s.value) AS min, max(s.value) AS max
         FROM samples s
         WHERE s.user_id = $1 AND s.metric = t.metric AND s.source = t.source
           AND s.start_at >= t.bucket AND s.start_at < t.bucket + interval '1 hour') a
       WHERE a.count > 0`,
      params,
    );
  }
  await refreshDays(client, userId, changes);
}

/** Recomputes the daily rollups of the UTC days of the changed hours from the hourly ones. */
async function refreshDays(
  client: PoolClient,
  userId: string,
  changes: readonly HourChange[],
): Promise<void> {
  const days = new Map<string, { metric: string; source: string; start: string }>();
  for (const { metric, source, hour } of changes) {
    const start = `${hour.toISOString().slice(0, 10)}T00:00:00.000Z`;
    days.set(`${metric}\u0000${source}\u0000${start}`, { metric, source, start });
  }
  const params = bucketParams(userId, [...days.values()]);
  await deleteBuckets(client, 'rollups_daily', params);
  await client.query(
    `INSERT INTO rollups_daily (user_id, metric, source, bucket_start, count, sum, min, max)
     SELECT $1, t.metric, t.source, t.bucket, sum(h.count), sum(h.sum), min(h.min), max(h.max)
     FROM ${BUCKETS}
     JOIN rollups_hourly h ON h.user_id = $1 AND h.metric = t.metric AND h.source = t.source
       AND h.bucket_start >= t.bucket AND h.bucket_start < t.bucket + interval '24 hours'
     GROUP BY t.metric, t.source, t.bucket`,
    params,
  );
}

/** Rollup buckets of one user as query parameters: the user $1, then metric, source and start $2-$4. */
const BUCKETS = `unnest($2::text[], $3::text[], $4::timestamptz[]) AS t(metric, source, bucket)`;

function bucketParams(
  userId: string,
  buckets: readonly { metric: string; source: string; start: string }[],
): unknown[] {
  return [userId, buckets.map((b) => b.metric), buckets.map((b) => b.source), buckets.map((b) => b.start)];
}

async function deleteBuckets(
  client: PoolClient,
  table: 'rollups_hourly' | 'rollups_daily',
  params: unknown[],
): Promise<void> {
  await client.query(
    `DELETE FROM ${table} r USING ${BUCKETS}
     WHERE r.user_id = $1 AND r.metric = t.metric AND r.source = t.source AND r.bucket_start = t.bucket`,
    params,
  );
}
