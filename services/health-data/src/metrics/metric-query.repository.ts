import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { MAX_RAW_POINTS, type MetricPoint } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';
import { preferredSourceRows } from './preferred-source';

export interface BucketQuery {
  userId: string;
  metric: string;
  from: string;
  to: string;
  source?: string;
  /** `hour`, `day` or `week` (Monday first), cut in `tz`. */
  unit: 'hour' | 'day' | 'week';
  tz: string;
}

interface BucketRow {
  start: Date;
  end: Date;
  count: string;
  sum: number;
  min: number;
  max: number;
}

const STEP = { hour: '1 hour', day: '1 day', week: '7 days' } as const;

/** Reads of one user's series: raw samples a page at a time, and buckets from the rollups. */
@Injectable()
export class MetricQueryRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Samples in [from, to), oldest first, up to MAX_RAW_POINTS; `nextFrom` where the next page starts. */
  async raw(
    query: Omit<BucketQuery, 'unit' | 'tz'>,
  ): Promise<{ points: MetricPoint[]; nextFrom: string | null }> {
    const params: unknown[] = [query.userId, query.metric, query.from, query.to, MAX_RAW_POINTS + 1];
    const bySource = query.source ? `AND source = $${params.push(query.source)}` : '';
    const { rows } = await this.pool.query<{ start_at: Date; end_at: Date; value: number; source: string }>(
      `SELECT start_at, end_at, value, source FROM samples
       WHERE user_id = $1 AND metric = $2 AND start_at >= $3 AND start_at < $4 ${bySource}
       ORDER BY start_at, source, record_key LIMIT $5`,
      params,
    );
    let page = rows;
    let nextFrom: string | null = null;
    if (rows.length > MAX_RAW_POINTS) {
      // The next page starts at the first left out; samples sharing its start all go to the next page.
      const cut = rows[MAX_RAW_POINTS]!.start_at.getTime();
      const kept = rows.slice(0, MAX_RAW_POINTS).filter((row) => row.start_at.getTime() < cut);
      page = kept.length > 0 ? kept : rows.slice(0, MAX_RAW_POINTS);
      nextFrom = new Date(kept.length > 0 ? cut : cut + 1).toISOString();
    }
    return {
      points: page.map((row) => ({
        start: row.start_at.toISOString(),
        end: row.end_at.toISOString(),
        value: row.value,
        min: row.value,
        max: row.value,
        count: 1,
        source: row.source,
      })),
      nextFrom,
    };
  }

  /**
   * Buckets summed from the rollups: days and weeks in UTC from the daily rollup, anything cut in
   * another time zone (where a day may have 23 or 25 hours) from the hourly one. A bucket takes the
   * rollup rows that start in [from, to). Over all sources, each day (in `tz`) counts one source: the
   * first of the metric's source precedence with data that day, so two sources reporting the same
   * day's steps are not added up.
   */
  async buckets(query: BucketQuery, aggregation: 'sum' | 'mean'): Promise<MetricPoint[]> {
    const table = query.unit !== 'hour' && query.tz === 'UTC' ? 'rollups_daily' : 'rollups_hourly';
    const params: unknown[] = [
      query.userId,
      query.metric,
      query.from,
      query.to,
      query.unit,
      query.tz,
      STEP[query.unit],
    ];
    const bySource = query.source ? `AND source = $${params.push(query.source)}` : '';
    const localDay = `date_trunc('day', r.bucket_start AT TIME ZONE $6)`;
    const { rows } = await this.pool.query<BucketRow>(
      `WITH r AS (
         SELECT metric, source, bucket_start, count, sum, min, max FROM ${table}
         WHERE user_id = $1 AND metric = $2 AND bucket_start >= $3 AND bucket_start < $4 ${bySource})
       SELECT date_trunc($5, p.bucket_start AT TIME ZONE $6) AT TIME ZONE $6 AS start,
              (date_trunc($5, p.bucket_start AT TIME ZONE $6) + $7::interval) AT TIME ZONE $6 AS end,
              sum(p.count)::text AS count, sum(p.sum) AS sum, min(p.min) AS min, max(p.max) AS max
       FROM (${preferredSourceRows('r', localDay, params)}) p
       GROUP BY 1, 2 ORDER BY 1`,
      params,
    );
    return rows.map((row) => {
      const count = Number(row.count);
      return {
        start: row.start.toISOString(),
        end: row.end.toISOString(),
        value: aggregation === 'sum' ? row.sum : row.sum / count,
        min: row.min,
        max: row.max,
        count,
      };
    });
  }
}
