import type { HealthSample } from '@conduit/contracts';

const SOURCE = 'garmin-api';

/** The summary types of the Garmin Health API this service reads, as they are named in its payloads. */
export const GARMIN_SUMMARY_TYPES = [
  'dailies',
  'sleeps',
  'hrv',
  'stressDetails',
  'bodyComps',
  'userMetrics',
] as const;
export type GarminSummaryType = (typeof GARMIN_SUMMARY_TYPES)[number];

export const isGarminSummaryType = (type: string): type is GarminSummaryType =>
  (GARMIN_SUMMARY_TYPES as readonly string[]).includes(type);

type Summary = Record<string, unknown>;

export interface SummarySamples {
  samples: HealthSample[];
  /** Day summaries and sleeps are revised during the day: each revision replaces the last whole. */
  replaceRecords: boolean;
}

/**
 * A Garmin Health API summary as samples. Day-level summaries are keyed by their calendar date, so a
 * later revision of the same day replaces the earlier one. Throws a plain Error naming what is missing
 * when the summary cannot be read.
 */
export function summarySamples(type: GarminSummaryType, summary: Summary): SummarySamples {
  switch (type) {
    case 'dailies':
      return { samples: dailySamples(summary), replaceRecords: true };
    case 'sleeps':
      return { samples: sleepSamples(summary), replaceRecords: true };
    case 'hrv':
      return { samples: hrvSamples(summary), replaceRecords: true };
    case 'stressDetails':
      return { samples: stressSamples(summary), replaceRecords: true };
    case 'bodyComps':
      return { samples: bodyCompositionSamples(summary), replaceRecords: true };
    case 'userMetrics':
      return { samples: userMetricSamples(summary), replaceRecords: true };
  }
}

function dailySamples(summary: Summary): HealthSample[] {
  const day = calendarDate(summary);
  const start = seconds(summary, 'startTimeInSeconds', true)!;
  const end = start + (seconds(summary, 'durationInSeconds') ?? 86_400);
  const key = `day:${day}`;
  const out: HealthSample[] = [];
  const total = (metric: string, field: string, unit: string, scale = 1) => {
    const value = number(summary[field]);
    if (value !== null) out.push(sample(metric, start, end, value * scale, unit, key));
  };
  total('steps', 'steps', 'count');
  total('distance', 'distanceInMeters', 'm');
  total('active_energy', 'activeKilocalories', 'kcal');
  total('floors', 'floorsClimbed', 'count');
  total('resting_heart_rate', 'restingHeartRateInBeatsPerMinute', 'bpm');
  const moderate = number(summary.moderateIntensityDurationInSeconds);
  const vigorous = number(summary.vigorousIntensityDurationInSeconds);
  if (moderate !== null || vigorous !== null) {
    // WHO-style intensity minutes: vigorous minutes count twice.
    out.push(
      sample('intensity_minutes', start, end, ((moderate ?? 0) + 2 * (vigorous ?? 0)) / 60, 'min', key),
    );
  }
  const stress = number(summary.averageStressLevel);
  if (stress !== null && stress >= 0) out.push(sample('stress', start, end, stress, 'score', key));
  for (const [offset, bpm] of offsets(summary.timeOffsetHeartRateSamples)) {
    out.push(sample('heart_rate', start + offset, start + offset, bpm, 'bpm', key));
  }
  return out;
}

function sleepSamples(summary: Summary): HealthSample[] {
  const key = `sleep:${calendarDate(summary)}`;
  const start = seconds(summary, 'startTimeInSeconds', true)!;
  const end = start + (seconds(summary, 'durationInSeconds') ?? 0);
  const out: HealthSample[] = [];
  const levels = (summary.sleepLevelsMap ?? {}) as Record<string, unknown>;
  let staged = false;
  for (const level of ['deep', 'light', 'rem', 'awake'] as const) {
    const spans = Array.isArray(levels[level]) ? (levels[level] as Summary[]) : [];
    for (const span of spans) {
      const from = number(span.startTimeInSeconds);
      const to = number(span.endTimeInSeconds);
      if (from === null || to === null || to <= from) continue;
      out.push(sample(`sleep_${level}`, from, to, to - from, 's', key));
      staged = true;
    }
  }
  if (!staged) {
    // No stage map: the night's totals per stage.
    const totals: [string, string][] = [
      ['sleep_deep', 'deepSleepDurationInSeconds'],
      ['sleep_light', 'lightSleepDurationInSeconds'],
      ['sleep_rem', 'remSleepInSeconds'],
      ['sleep_awake', 'awakeDurationInSeconds'],
    ];
    for (const [metric, field] of totals) {
      const value = number(summary[field]);
      if (value !== null) out.push(sample(metric, start, end, value, 's', key));
    }
  }
  const asleep = ['deepSleepDurationInSeconds', 'lightSleepDurationInSeconds', 'remSleepInSeconds']
    .map((field) => number(summary[field]) ?? 0)
    .reduce((a, b) => a + b, 0);
  out.push(sample('sleep_duration', start, end, asleep, 's', key));
  const score = number(
    (summary.overallSleepScore as Summary | undefined)?.value ?? summary.overallSleepScore,
  );
  if (score !== null) out.push(sample('sleep_score', end, end, score, 'score', key));
  return out;
}

function hrvSamples(summary: Summary): HealthSample[] {
  const key = `hrv:${calendarDate(summary)}`;
  const start = seconds(summary, 'startTimeInSeconds', true)!;
  const end = start + (seconds(summary, 'durationInSeconds') ?? 0);
  const out: HealthSample[] = [];
  const average = number(summary.lastNightAvg);
  if (average !== null) out.push(sample('hrv_rmssd', start, end, average, 'ms', key));
  for (const [offset, value] of offsets(summary.hrvValues)) {
    out.push(sample('hrv_rmssd', start + offset, start + offset, value, 'ms', `${key}:5min`));
  }
  return out;
}

function stressSamples(summary: Summary): HealthSample[] {
  const key = `stress:${calendarDate(summary)}`;
  const start = seconds(summary, 'startTimeInSeconds', true)!;
  const out: HealthSample[] = [];
  for (const [offset, value] of offsets(summary.timeOffsetStressLevelValues)) {
    // Negative levels mean "not measured" (moving, off wrist).
    if (value >= 0) out.push(sample('stress', start + offset, start + offset, value, 'score', key));
  }
  for (const [offset, value] of offsets(summary.timeOffsetBodyBatteryValues)) {
    if (value >= 0) out.push(sample('body_battery', start + offset, start + offset, value, 'score', key));
  }
  return out;
}

function bodyCompositionSamples(summary: Summary): HealthSample[] {
  const at = seconds(summary, 'measurementTimeInSeconds', true)!;
  const id = typeof summary.summaryId === 'string' ? summary.summaryId : String(at);
  const key = `bodycomp:${id}`;
  const out: HealthSample[] = [];
  const weight = number(summary.weightInGrams);
  if (weight !== null) out.push(sample('weight', at, at, weight / 1000, 'kg', key));
  const fat = number(summary.bodyFatInPercent);
  if (fat !== null) out.push(sample('body_fat', at, at, fat, '%', key));
  const bmi = number(summary.bodyMassIndex ?? summary.bmi);
  if (bmi !== null) out.push(sample('bmi', at, at, bmi, 'kg/m²', key));
  return out;
}

function userMetricSamples(summary: Summary): HealthSample[] {
  const day = calendarDate(summary);
  const at = Date.parse(`${day}T00:00:00Z`) / 1000;
  const key = `metrics:${day}`;
  const out: HealthSample[] = [];
  const vo2max = number(summary.vo2Max);
  if (vo2max !== null) out.push(sample('vo2max', at, at, vo2max, 'mL/kg/min', key));
  const readiness = number(summary.trainingReadiness ?? summary.trainingReadinessScore);
  if (readiness !== null) out.push(sample('training_readiness', at, at, readiness, 'score', key));
  return out;
}

function calendarDate(summary: Summary): string {
  const date = summary.calendarDate;
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new Error('no calendarDate (YYYY-MM-DD)');
  return date;
}

function seconds(summary: Summary, field: string, required = false): number | null {
  const value = number(summary[field]);
  if (value === null && required) throw new Error(`no ${field}`);
  return value;
}

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** `{ "0": 61, "15": 63 }`: values by seconds after the summary's start, in time order. */
function offsets(value: unknown): [number, number][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>)
    .map(([offset, v]) => [Number(offset), number(v)] as const)
    .filter((entry): entry is [number, number] => Number.isFinite(entry[0]) && entry[1] !== null)
    .sort((a, b) => a[0] - b[0]);
}

function sample(
  metric: string,
  from: number,
  to: number,
  value: number,
  unit: string,
  recordKey: string,
): HealthSample {
  return {
    metric,
    startAt: new Date(from * 1000).toISOString(),
    endAt: new Date(to * 1000).toISOString(),
    value,
    unit,
    source: SOURCE,
    recordKey,
  };
}
