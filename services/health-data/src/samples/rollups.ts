import type { PoolClient } from 'pg';

/** A UTC hour of one metric and source whose samples changed. */
export interface TouchedHour {
  metric: string;
  source: string;
  hour: Date;
}

/**
 * Recomputes the hourly rollups of the touched hours from the samples, then the daily rollups of the
 * UTC days they fall in from the hourly ones. Recomputing (rather than adding to the stored figures)
 * keeps min and max right when a revision replaces or removes samples, and costs one indexed read of
 * the touched hours: at most 60 rows an hour for minute-level data.
 */
export async function refreshRollups(
  client: PoolClient,
  userId: string,
  touched: readonly TouchedHour[],
): Promise<void> {
  if (touched.length === 0) return;
  const unique = new Map<string, TouchedHour>();
  for (const t of touched) unique.set(`${t.metric}\u0000${t.source}\u0000${t.hour.getTime()}`, t);
  const hours = [...unique.values()];
  const params = [
    userId,
    hours.map((h) => h.metric),
    hours.map((h) => h.source),
    hours.map((h) => h.hour.toISOString()),
  ];
  const touchedHours = `SELECT DISTINCT metric, source, hour FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS t(metric, source, hour)`;
  await client.query(
    `DELETE FROM rollups_hourly r USING (${touchedHours}) t
     WHERE r.user_id = $1 AND r.metric = t.metric AND r.source = t.source AND r.bucket_start = t.hour`,
    params,
  );
  await client.query(
    `INSERT INTO rollups_hourly (user_id, metric, source, bucket_start, count, sum, min, max)
     SELECT $1, t.metric, t.source, t.hour, count(*), sum(s.value), min(s.value), max(s.value)
     FROM (${touchedHours}) t
     JOIN samples s ON s.user_id = $1 AND s.metric = t.metric AND s.source = t.source
       AND s.start_at >= t.hour AND s.start_at < t.hour + interval '1 hour'
     GROUP BY t.metric, t.source, t.hour`,
    params,
  );
  const touchedDays = `SELECT DISTINCT metric, source, date_trunc('day', hour, 'UTC') AS day FROM (${touchedHours}) h`;
  await client.query(
    `DELETE FROM rollups_daily r USING (${touchedDays}) t
     WHERE r.user_id = $1 AND r.metric = t.metric AND r.source = t.source AND r.bucket_start = t.day`,
    params,
  );
  await client.query(
    `INSERT INTO rollups_daily (user_id, metric, source, bucket_start, count, sum, min, max)
     SELECT $1, t.metric, t.source, t.day, sum(h.count), sum(h.sum), min(h.min), max(h.max)
     FROM (${touchedDays}) t
     JOIN rollups_hourly h ON h.user_id = $1 AND h.metric = t.metric AND h.source = t.source
       AND h.bucket_start >= t.day AND h.bucket_start < t.day + interval '24 hours'
     GROUP BY t.metric, t.source, t.day`,
    params,
  );
}
