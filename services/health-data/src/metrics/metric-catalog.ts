import { ANALYTES, analyteMetric } from '../blood-tests/analyte-table';

export interface MetricSpec {
  /** The canonical unit its samples are stored in. */
  unit: string;
  /** `sum`: a bucket's value is its total (steps); `mean`: its average (heart rate). */
  aggregation: 'sum' | 'mean';
  /** Values outside this range are no measurement: refused as impossible. */
  possible: { min: number; max: number };
}

const sum = (unit: string, max: number): MetricSpec => ({
  unit,
  aggregation: 'sum',
  possible: { min: 0, max },
});
const mean = (unit: string, min: number, max: number): MetricSpec => ({
  unit,
  aggregation: 'mean',
  possible: { min, max },
});

/**
 * Every metric the store keeps: its unit, how buckets combine it, and what values are possible. Data,
 * not code: an importer adds a metric by adding a line here. Blood analytes come from analyte-table.data.ts;
 * developer fields of FIT files are kept as `dev.<name>` (mean, unit as the file declares it).
 */
const METRICS: Record<string, MetricSpec> = {
  heart_rate: mean('bpm', 20, 260),
  resting_heart_rate: mean('bpm', 20, 200),
  hrv_rmssd: mean('ms', 1, 500),
  /** Apple Watch's measure of the same variability: kept apart, as its values are not comparable. */
  hrv_sdnn: mean('ms', 1, 500),
  stress: mean('score', 0, 100),
  body_battery: mean('score', 0, 100),
  spo2: mean('%', 50, 100),
  respiration_rate: mean('breaths/min', 1, 80),
  steps: sum('count', 200_000),
  distance: sum('m', 1_000_000),
  active_energy: sum('kcal', 50_000),
  floors: sum('count', 2_000),
  intensity_minutes: sum('min', 1_440),
  speed: mean('m/s', 0, 100),
  power: mean('W', 0, 3_000),
  cadence: mean('rpm', 0, 300),
  altitude: mean('m', -500, 9_000),
  temperature: mean('°C', -60, 70),
  activity_duration: sum('s', 7 * 86_400),
  lap_duration: sum('s', 7 * 86_400),
  lap_distance: sum('m', 1_000_000),
  sleep_duration: sum('s', 86_400),
  sleep_deep: sum('s', 86_400),
  sleep_light: sum('s', 86_400),
  sleep_rem: sum('s', 86_400),
  sleep_awake: sum('s', 86_400),
  sleep_score: mean('score', 0, 100),
  weight: mean('kg', 1, 700),
  body_fat: mean('%', 1, 80),
  bmi: mean('kg/m²', 5, 150),
  vo2max: mean('mL/kg/min', 5, 100),
  training_readiness: mean('score', 0, 100),
};
for (const analyte of ANALYTES) {
  METRICS[analyteMetric(analyte)] = mean(analyte.unit, analyte.possible.min, analyte.possible.max);
}

/**
 * Which source counts when several recorded one metric on the same day: series over all sources, the
 * overview and charts take each day from the first source in this order that has data that day, so a
 * day's steps seen by a watch's FIT file, by Garmin's API and by Apple Health count once (a `source=`
 * query still reads that source alone). Data, not code: a metric missing here takes `default`.
 *
 * - `garmin-api`: Garmin's day summaries merge every device of the account, and are revised all day;
 * - `garmin-fit`: one device's files, which may cover part of a day;
 * - `apple-health`: the phone and watch as Apple merges them (often including other apps' copies);
 * - `lab`: blood results, which no other source reports.
 */
const SOURCE_PRECEDENCE: Record<string, readonly string[]> = {
  default: ['garmin-api', 'garmin-fit', 'apple-health', 'lab'],
  // Per metric, where it should differ: `weight: ['apple-health', 'garmin-api', 'garmin-fit'],`.
};

/** The default order, and each metric's own where it has one (see SOURCE_PRECEDENCE). */
export function sourcePrecedence(): {
  default: readonly string[];
  byMetric: ReadonlyMap<string, readonly string[]>;
} {
  const { default: fallback, ...own } = SOURCE_PRECEDENCE;
  return { default: fallback!, byMetric: new Map(Object.entries(own)) };
}

const DEVELOPER_FIELD: MetricSpec = { unit: '', aggregation: 'mean', possible: { min: -1e12, max: 1e12 } };

/** The spec of a metric; for a developer field (`dev.*`) the unit is whatever the file declared. */
export function metricSpec(metric: string): MetricSpec | null {
  if (metric.startsWith('dev.')) return DEVELOPER_FIELD;
  return METRICS[metric] ?? null;
}
