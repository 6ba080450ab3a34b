import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';
import { preferredSourceRows } from '../metrics/preferred-source';

/** One metric's daily values over the last 90 days, reduced in SQL to what the overview shows. */
export interface MetricWindowRow {
  metric: string;
  average7: number | null;
  average30: number | null;
  average90: number | null;
  stddev90: number | null;
  days90: number;
  latest: number | null;
  latestDay: Date | null;
}

/** One night's minutes in each sleep metric (stages, awake, in bed). */
export interface SleepNightRow {
  night: Date;
  minutes: Record<string, number>;
}

export interface BloodMarkerRow {
  metric: string;
  value: number;
  unit: string;
  measuredAt: Date;
  details: Record<string, unknown> | null;
  previous: number | null;
}

/** The prefix of blood marker metrics (`blood.glucose`, `blood.ldl`). */
export const BLOOD_MARKER_PREFIX = 'blood.';

/**
 * The overview's reads: all over the rollups (daily, and hourly for nights), which the writes keep
 * current, except the latest blood results, which are few and read from the samples. Every query is
 * scoped to one user and to the 90 days before `today`.
 */
@Injectable()
export class OverviewRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * For each metric (and each blood marker), the 7-, 30- and 90-day averages of its daily values ending
   * with `today` (UTC midnight), their spread, and the latest day's value. A day's value is the mean of
   * the day's samples, or for summed metrics (steps) the day's total; where several sources report one
   * metric on a day, the day is the one source's that comes first in the metric's source precedence (a
   * watch and a phone both counting steps describe the same steps).
   */
  async metricWindows(
    userId: string,
    today: Date,
    metrics: readonly string[],
    summedMetrics: readonly string[],
  ): Promise<MetricWindowRow[]> {
    const params: unknown[] = [
      userId,
      metrics,
      summedMetrics,
      today,
      BLOOD_MARKER_PREFIX,
      prefixEnd(BLOOD_MARKER_PREFIX),
    ];
    const { rows } = await this.pool.query<{
      metric: string;
      average7: number | null;
      average30: number | null;
      average90: number | null;
      stddev90: number | null;
      days90: number;
      latest: number | null;
      latest_day: Date | null;
    }>(
      `WITH r AS (
         SELECT metric, source, bucket_start, count, sum FROM rollups_daily
         WHERE user_id = $1
           AND (metric = ANY($2::text[]) OR (metric >= $5 AND metric < $6))
           AND bucket_start > $4::timestamptz - interval '90 days' AND bucket_start <= $4::timestamptz),
       per_day AS (
         SELECT p.metric, p.day,
                CASE WHEN p.metric = ANY($3::text[]) THEN sum(p.sum) ELSE sum(p.sum) / sum(p.count) END AS value
         FROM (${preferredSourceRows('r', 'r.bucket_start', params)}) p
         GROUP BY p.metric, p.day)
       SELECT metric,
              avg(value) FILTER (WHERE day > $4::timestamptz - interval '7 days') AS average7,
              avg(value) FILTER (WHERE day > $4::timestamptz - interval '30 days') AS average30,
              avg(value) AS average90,
              stddev_samp(value) AS stddev90,
              count(*)::int AS days90,
              (array_agg(value ORDER BY day DESC))[1] AS latest,
              max(day) AS latest_day
       FROM per_day GROUP BY metric`,
      params,
    );
    return rows.map((row) => ({
      metric: row.metric,
      average7: row.average7,
      average30: row.average30,
      average90: row.average90,
      stddev90: row.stddev90,
      days90: row.days90,
      latest: row.latest,
      latestDay: row.latest_day,
    }));
  }

  /**
   * Minutes per night in each sleep metric over the 90 nights up to `today`, from the hourly rollups.
   * A night is the 24 hours from noon to noon (UTC), so a sleep that crosses midnight counts once, on the
   * day it ends; where two sources recorded a night, each metric takes the minutes of the one that comes
   * first in its source precedence.
   */
  async sleepNights(userId: string, today: Date, sleepMetrics: readonly string[]): Promise<SleepNightRow[]> {
    const params: unknown[] = [userId, sleepMetrics, today];
    const night = `date_trunc('day', r.bucket_start + interval '12 hours', 'UTC')`;
    const { rows } = await this.pool.query<{ night: Date; minutes: Record<string, number> }>(
      `WITH r AS (
         SELECT metric, source, bucket_start, sum FROM rollups_hourly
         WHERE user_id = $1 AND metric = ANY($2::text[])
           AND bucket_start >= $3::timestamptz - interval '89 days' - interval '12 hours'
           AND bucket_start < $3::timestamptz + interval '12 hours')
       SELECT night, jsonb_object_agg(metric, minutes) AS minutes
       FROM (
         SELECT p.day AS night, p.metric, sum(p.sum) AS minutes
         FROM (${preferredSourceRows('r', night, params)}) p
         GROUP BY p.day, p.metric
       ) per_night
       GROUP BY night ORDER BY night`,
      params,
    );
    return rows;
  }

  /** Each blood marker's latest result (with what the lab said about it) and the one before. */
  async latestBloodMarkers(userId: string): Promise<BloodMarkerRow[]> {
    const { rows } = await this.pool.query<{
      metric: string;
      value: number;
      unit: string;
      start_at: Date;
      details: Record<string, unknown> | null;
      previous: number | null;
    }>(
      `SELECT DISTINCT ON (metric) metric, value, unit, start_at, details,
              lead(value) OVER (PARTITION BY metric ORDER BY start_at DESC) AS previous
       FROM samples
       WHERE user_id = $1 AND metric >= $2 AND metric < $3
       ORDER BY metric, start_at DESC`,
      [userId, BLOOD_MARKER_PREFIX, prefixEnd(BLOOD_MARKER_PREFIX)],
    );
    return rows.map((row) => ({
      metric: row.metric,
      value: row.value,
      unit: row.unit,
      measuredAt: row.start_at,
      details: row.details,
      previous: row.previous,
    }));
  }
}

/** The smallest string after every string starting with `prefix` (a range scan instead of LIKE). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
