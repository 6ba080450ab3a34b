import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';
import { preferredSourceRows } from '../metrics/preferred-source';
import type { DailyPoint } from './rolling-average';

/** The reads a chart needs, from the daily rollups and, for a marker's range, its latest sample. */
@Injectable()
export class ChartRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * One value per UTC day with data in [from, to]: the day's mean, or for a summed metric its total,
   * from the one source that counts that day (the metric's source precedence).
   */
  async dailySeries(
    userId: string,
    metric: string,
    from: Date,
    to: Date,
    summed: boolean,
  ): Promise<DailyPoint[]> {
    const params: unknown[] = [userId, metric, from, to, summed];
    const { rows } = await this.pool.query<{ day: Date; value: number }>(
      `WITH r AS (
         SELECT metric, source, bucket_start, count, sum FROM rollups_daily
         WHERE user_id = $1 AND metric = $2 AND bucket_start >= $3 AND bucket_start <= $4)
       SELECT p.day, CASE WHEN $5 THEN sum(p.sum) ELSE sum(p.sum) / sum(p.count) END AS value
       FROM (${preferredSourceRows('r', 'r.bucket_start', params)}) p
       GROUP BY p.day ORDER BY p.day`,
      params,
    );
    return rows.map((row) => ({ dayMs: row.day.getTime(), value: row.value }));
  }

  /** The latest sample of a metric up to `to`, with what its source said about it (a lab's range). */
  async latestSample(
    userId: string,
    metric: string,
    to: Date,
  ): Promise<{ value: number; details: Record<string, unknown> | null } | null> {
    const { rows } = await this.pool.query<{ value: number; details: Record<string, unknown> | null }>(
      `SELECT value, details FROM samples
       WHERE user_id = $1 AND metric = $2 AND start_at < $3
       ORDER BY start_at DESC LIMIT 1`,
      [userId, metric, to],
    );
    return rows[0] ?? null;
  }
}
