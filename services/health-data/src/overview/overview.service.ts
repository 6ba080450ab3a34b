import { Injectable } from '@nestjs/common';
import type { BloodMarker, HealthOverview, HealthOverviewQuery, OverviewMetric } from '@conduit/contracts';
import { metricSpec } from '../metrics/metric-catalog';
import { hrvStatus, sleepScore, trainingReadiness, trendDirection, type MetricWindows } from './metric-trend';
import {
  OverviewRepository,
  type BloodMarkerRow,
  type MetricWindowRow,
  type SleepNightRow,
} from './overview.repository';
import { referenceOf } from './reference-range';

const DAY_MS = 86_400_000;

/** The daily metrics the overview reads from the rollups. */
const DAILY_METRICS = [
  'resting_heart_rate',
  'hrv_rmssd',
  'hrv_sdnn',
  'stress',
  'body_battery',
  'steps',
  'intensity_minutes',
  'training_readiness',
  'weight',
  'body_fat',
  'sleep_score',
] as const;
const SLEEP_METRICS = ['sleep_duration', 'sleep_light', 'sleep_deep', 'sleep_rem', 'sleep_awake'] as const;

interface NightFigures {
  nightMs: number;
  /** Minutes per sleep metric. */
  minutes: Record<string, number>;
  score: number | null;
}

/**
 * The health overview: each metric's 7/30/90-day averages and direction from SQL over the rollups, and
 * what is derived from them (HRV status against the personal baseline, a computed sleep score and
 * training readiness where the device gave none, blood markers flagged against their ranges).
 */
@Injectable()
export class OverviewService {
  constructor(private readonly repository: OverviewRepository) {}

  async overview(userId: string, query: HealthOverviewQuery, now = Date.now()): Promise<HealthOverview> {
    const todayMs = query.date ? Date.parse(query.date) : Math.floor(now / DAY_MS) * DAY_MS;
    const today = new Date(todayMs);
    const summed = DAILY_METRICS.filter((metric) => metricSpec(metric)?.aggregation === 'sum');
    const [windows, nightRows, markers] = await Promise.all([
      this.repository.metricWindows(userId, today, DAILY_METRICS, summed),
      this.repository.sleepNights(userId, today, SLEEP_METRICS),
      this.repository.latestBloodMarkers(userId),
    ]);
    const byMetric = new Map(windows.map((row) => [row.metric, row]));
    const metric = (name: string): OverviewMetric => overviewMetric(name, byMetric.get(name));

    const nights = nightRows.map((row) => nightFigures(row));
    const sleepMetric = (name: string, unit: string, valueOf: (night: NightFigures) => number | null) =>
      nightlyMetric(name, unit, nights, todayMs, valueOf);
    const deviceScore = byMetric.get('sleep_score');
    const sleepScoreMetric =
      deviceScore && deviceScore.days90 > 0
        ? metric('sleep_score')
        : sleepMetric('sleep_score', 'score', (night) => night.score);

    // Garmin's nightly RMSSD where there is any, otherwise Apple's SDNN: each against its own baseline.
    const hrvName = (byMetric.get('hrv_rmssd')?.days90 ?? 0) > 0 ? 'hrv_rmssd' : 'hrv_sdnn';
    const hrvRow = byMetric.get(hrvName);
    const hrv = {
      ...metric(hrvName),
      status: hrvStatus({
        average7: hrvRow?.average7 ?? null,
        baselineMean: hrvRow?.average90 ?? null,
        baselineStddev: hrvRow?.stddev90 ?? null,
        baselineDays: hrvRow?.days90 ?? 0,
      }),
    };

    const restingHeartRate = metric('resting_heart_rate');
    const deviceReadiness = byMetric.get('training_readiness');
    const trainingReadinessMetric =
      deviceReadiness && deviceReadiness.days90 > 0
        ? { ...metric('training_readiness'), computed: false }
        : computedReadiness(hrv.status, sleepScoreMetric, restingHeartRate, todayMs);

    return {
      date: isoDate(todayMs),
      sleep: {
        duration: sleepMetric('sleep_duration', 'min', (night) => night.minutes.sleep_duration ?? null),
        stages: {
          light: sleepMetric('sleep_light', 'min', (night) => night.minutes.sleep_light ?? null),
          deep: sleepMetric('sleep_deep', 'min', (night) => night.minutes.sleep_deep ?? null),
          rem: sleepMetric('sleep_rem', 'min', (night) => night.minutes.sleep_rem ?? null),
          awake: sleepMetric('sleep_awake', 'min', (night) => night.minutes.sleep_awake ?? null),
        },
        score: sleepScoreMetric,
      },
      restingHeartRate,
      hrv,
      stress: metric('stress'),
      bodyBattery: metric('body_battery'),
      steps: metric('steps'),
      intensityMinutes: metric('intensity_minutes'),
      trainingReadiness: trainingReadinessMetric,
      bodyComposition: { weight: metric('weight'), bodyFat: metric('body_fat') },
      bloodMarkers: markers.map((marker) => bloodMarker(marker, byMetric.get(marker.metric))),
    };
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function overviewMetric(metric: string, row: MetricWindowRow | undefined): OverviewMetric {
  const windows: MetricWindows = {
    average7: round(row?.average7 ?? null),
    average30: round(row?.average30 ?? null),
    average90: round(row?.average90 ?? null),
  };
  return {
    metric,
    unit: metricSpec(metric)?.unit ?? '',
    latest:
      row && row.latest !== null && row.latestDay
        ? { value: round(row.latest)!, day: isoDate(row.latestDay.getTime()) }
        : null,
    ...windows,
    direction: trendDirection(windows),
  };
}

/** A night's minutes per metric (the rollups keep seconds) and its computed score. */
function nightFigures(row: SleepNightRow): NightFigures {
  const minutes: Record<string, number> = {};
  for (const [metric, seconds] of Object.entries(row.minutes)) minutes[metric] = seconds / 60;
  const stages = (minutes.sleep_light ?? 0) + (minutes.sleep_deep ?? 0) + (minutes.sleep_rem ?? 0);
  const asleep = minutes.sleep_duration ?? stages;
  return {
    nightMs: row.night.getTime(),
    minutes,
    score: sleepScore({
      asleepMinutes: asleep,
      deepMinutes: minutes.sleep_deep ?? 0,
      remMinutes: minutes.sleep_rem ?? 0,
      awakeMinutes: minutes.sleep_awake ?? 0,
    }),
  };
}

/** Averages over the nights ending within 7, 30 and 90 days of `todayMs` of one nightly figure. */
function nightlyMetric(
  metric: string,
  unit: string,
  nights: readonly NightFigures[],
  todayMs: number,
  valueOf: (night: NightFigures) => number | null,
): OverviewMetric {
  const values = nights
    .map((night) => ({ nightMs: night.nightMs, value: valueOf(night) }))
    .filter((night): night is { nightMs: number; value: number } => night.value !== null);
  const average = (days: number) => {
    const inWindow = values.filter((night) => night.nightMs > todayMs - days * DAY_MS);
    return inWindow.length === 0
      ? null
      : round(inWindow.reduce((sum, n) => sum + n.value, 0) / inWindow.length);
  };
  const windows = { average7: average(7), average30: average(30), average90: average(90) };
  const latest = values[values.length - 1];
  return {
    metric,
    unit,
    latest: latest ? { value: round(latest.value)!, day: isoDate(latest.nightMs) } : null,
    ...windows,
    direction: trendDirection(windows),
  };
}

function computedReadiness(
  status: ReturnType<typeof hrvStatus>,
  sleep: OverviewMetric,
  restingHeartRate: OverviewMetric,
  todayMs: number,
): HealthOverview['trainingReadiness'] {
  const lastNight =
    sleep.latest && Date.parse(sleep.latest.day) >= todayMs - DAY_MS ? sleep.latest.value : null;
  const value = trainingReadiness({
    hrvStatus: status,
    sleepScore: lastNight,
    restingHeartRate7: restingHeartRate.average7,
    restingHeartRate30: restingHeartRate.average30,
  });
  return {
    metric: 'training_readiness',
    unit: 'score',
    latest: value === null ? null : { value, day: isoDate(todayMs) },
    average7: null,
    average30: null,
    average90: null,
    direction: null,
    computed: true,
  };
}

function bloodMarker(marker: BloodMarkerRow, row: MetricWindowRow | undefined): BloodMarker {
  const { low, high, flag } = referenceOf(marker);
  const windows = overviewMetric(marker.metric, row);
  return {
    metric: marker.metric,
    value: marker.value,
    unit: marker.unit,
    measuredAt: marker.measuredAt.toISOString(),
    referenceLow: low,
    referenceHigh: high,
    flag,
    direction:
      marker.previous === null
        ? null
        : trendDirection({ average7: marker.value, average30: marker.previous, average90: null }),
    average7: windows.average7,
    average30: windows.average30,
    average90: windows.average90,
  };
}
