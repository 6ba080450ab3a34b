import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';
import type { DailyPoint } from './rolling-average';

/** The reads a chart needs, from the daily rollups and, for a marker's range, its latest sample. */
@Injectable()
export class ChartRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * One value per UTC day with data in [from, to]: the day's mean, or for a summed metric its total
   * (the largest source's, where several report the same steps).
   */
  async dailySeries(
    userId: string,
    metric: string,
    from: Date,
    to: Date,
    summed: boolean,
  ): Promise<DailyPoint[]> {
    const { rows } = await this.pool.query<{ day: Date; value: number }>(
      `SELECT bucket_start AS day,
              CASE WHEN $5 THEN max(sum) ELSE sum(sum) / sum(count) END AS value
       FROM rollups_daily
       WHERE user_id = $1 AND metric = $2 AND bucket_start >= $3 AND bucket_start <= $4
       GROUP BY bucket_start ORDER BY bucket_start`,
      [userId, metric, from, to, summed],
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
