import type * as FitSdk from '@garmin/fitsdk' with { 'resolution-mode': 'import' };
import type { HealthSample } from '@conduit/contracts';
import { ImportFailure, type SampleBatch } from '../ingestion/import-sink';

// The official SDK is an ES module; Node's require() loads it (and Jest compiles it to CommonJS).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Decoder, Stream } = require('@garmin/fitsdk') as typeof FitSdk;

/** FIT counts seconds from 1989-12-31T00:00:00Z. */
const FIT_EPOCH_SECONDS = 631_065_600;
const SOURCE = 'garmin-fit';

export interface ParsedFitFile {
  batches: SampleBatch[];
  /** Records that could not be read (no timestamp, say), each with its reason. */
  rejections: { item: string; reason: string }[];
}

interface DeveloperField {
  metric: string;
  unit: string;
}

type Sample = HealthSample;

/**
 * Reads a FIT file with Garmin's SDK into samples: an activity's records (heart rate, speed, power,
 * cadence, altitude, temperature and numeric developer fields), laps and session totals and the RMSSD
 * of its beat intervals; daily monitoring (heart rate, steps per interval, stress); sleep stages and
 * score; the nightly HRV summary. Throws {@link ImportFailure} for bytes that are not an intact FIT file.
 */
export function parseFitFile(bytes: Uint8Array): ParsedFitFile {
  if (!Decoder.isFIT(Stream.fromByteArray(bytes))) throw new ImportFailure('not a FIT file');
  if (!new Decoder(Stream.fromByteArray(bytes)).checkIntegrity()) {
    throw new ImportFailure('the FIT file is damaged or truncated (its checksum does not match)');
  }
  const developerFields = new Map<string, DeveloperField>();
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read({
    fieldDescriptionListener: (key, _developer, description) => {
      const name = (description.fieldName ?? `field_${key}`)
        .toString()
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '');
      developerFields.set(String(key), {
        metric: `dev.${/^[a-z]/.test(name) ? name : `f_${name}`}`.slice(0, 64),
        unit: (description.units ?? '').toString().slice(0, 32) || 'value',
      });
    },
  });
  if (errors.length > 0) throw new ImportFailure(`the FIT file could not be read: ${errors[0]!.message}`);

  const rejections: ParsedFitFile['rejections'] = [];
  const offsetSeconds = localOffsetSeconds(messages);
  const localDay = (date: Date) => new Date(date.getTime() + offsetSeconds * 1000).toISOString().slice(0, 10);
  const localMidnight = (date: Date) =>
    new Date(Date.parse(`${localDay(date)}T00:00:00Z`) - offsetSeconds * 1000);
  const replaced: Sample[] = [];
  const upserted: Sample[] = [];

  // Activity: everything belongs to the activity, replaced whole when the file comes again revised.
  const session = messages.sessionMesgs?.[0];
  const records = messages.recordMesgs ?? [];
  const firstTime = asDate(session?.startTime) ?? asDate(records.find((r) => asDate(r.timestamp))?.timestamp);
  if (firstTime && (records.length > 0 || session)) {
    const key = `activity:${firstTime.toISOString()}`;
    records.forEach((record, index) => {
      const at = asDate(record.timestamp);
      if (!at) {
        rejections.push({ item: `record ${index}`, reason: 'no timestamp' });
        return;
      }
      const point = (metric: string, value: unknown, unit: string) => {
        if (typeof value === 'number' && Number.isFinite(value))
          replaced.push(instant(metric, at, value, unit, key));
      };
      point('heart_rate', record.heartRate, 'bpm');
      point('speed', record.enhancedSpeed ?? record.speed, 'm/s');
      point('power', record.power, 'W');
      point('cadence', record.cadence, 'rpm');
      point('altitude', record.enhancedAltitude ?? record.altitude, 'm');
      point('temperature', record.temperature, '°C');
      for (const [fieldKey, value] of Object.entries(record.developerFields ?? {})) {
        const field = developerFields.get(fieldKey);
        if (field) point(field.metric, value, field.unit);
      }
    });
    (messages.lapMesgs ?? []).forEach((lap, index) => {
      const start = asDate(lap.startTime);
      if (!start) {
        rejections.push({ item: `lap ${index}`, reason: 'no start time' });
        return;
      }
      const end = new Date(start.getTime() + (num(lap.totalElapsedTime) ?? 0) * 1000);
      if (num(lap.totalElapsedTime) !== null) {
        replaced.push(span('lap_duration', start, end, num(lap.totalElapsedTime)!, 's', key));
      }
      if (num(lap.totalDistance) !== null) {
        replaced.push(span('lap_distance', start, end, num(lap.totalDistance)!, 'm', key));
      }
    });
    if (session) {
      const start = asDate(session.startTime) ?? firstTime;
      const end = new Date(start.getTime() + (num(session.totalElapsedTime) ?? 0) * 1000);
      const details = { sport: session.sport === undefined ? null : String(session.sport) };
      const total = (metric: string, value: number | null, unit: string) => {
        if (value !== null) replaced.push({ ...span(metric, start, end, value, unit, key), details });
      };
      total('activity_duration', num(session.totalTimerTime) ?? num(session.totalElapsedTime), 's');
      total('distance', num(session.totalDistance), 'm');
      total('active_energy', num(session.totalCalories), 'kcal');
    }
    const rmssd = rmssdMs(messages.hrvMesgs ?? []);
    if (rmssd !== null) replaced.push(instant('hrv_rmssd', firstTime, rmssd, 'ms', key));
  }

  // Daily monitoring: several files a day, each adding its own intervals: stored, never replacing.
  const lastSteps = new Map<string, { steps: number; at: Date }>();
  for (const monitoring of messages.monitoringMesgs ?? []) {
    const at = asDate(monitoring.timestamp);
    if (!at) continue;
    const day = `day:${localDay(at)}`;
    if (typeof monitoring.heartRate === 'number' && monitoring.heartRate > 0) {
      upserted.push(instant('heart_rate', at, monitoring.heartRate, 'bpm', day));
    }
    if (typeof monitoring.steps === 'number') {
      // Steps accumulate per activity type through the day; a sample is the increase since the last one.
      const type = String(monitoring.activityType ?? 'generic');
      const previous = lastSteps.get(type);
      const sameDay = previous && localDay(previous.at) === localDay(at);
      const increase =
        sameDay && monitoring.steps >= previous.steps ? monitoring.steps - previous.steps : monitoring.steps;
      if (increase > 0) {
        upserted.push(
          // The first count of a day is what accumulated since local midnight.
          span(
            'steps',
            previous && sameDay ? previous.at : localMidnight(at),
            at,
            increase,
            'count',
            `${day}:${type}`,
          ),
        );
      }
      lastSteps.set(type, { steps: monitoring.steps, at });
    }
  }
  for (const stress of messages.stressLevelMesgs ?? []) {
    const at = asDate(stress.stressLevelTime);
    const value = num(stress.stressLevelValue);
    // Negative values mean "could not be measured" (moving, off wrist).
    if (at && value !== null && value >= 0)
      upserted.push(instant('stress', at, value, 'score', `day:${localDay(at)}`));
  }

  // Sleep: a night is one record, keyed by the local day it ends on; a revised night replaces it whole.
  const levels = (messages.sleepLevelMesgs ?? [])
    .map((level) => ({ at: asDate(level.timestamp), level: String(level.sleepLevel ?? '') }))
    .filter((level): level is { at: Date; level: string } => level.at !== null)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  if (levels.length > 1) {
    const key = `sleep:${localDay(levels[levels.length - 1]!.at)}`;
    let asleep = 0;
    for (let i = 0; i + 1 < levels.length; i += 1) {
      const { at, level } = levels[i]!;
      const next = levels[i + 1]!.at;
      const seconds = (next.getTime() - at.getTime()) / 1000;
      if (!['awake', 'light', 'deep', 'rem'].includes(level) || seconds <= 0) continue;
      replaced.push(span(`sleep_${level}`, at, next, seconds, 's', key));
      if (level !== 'awake') asleep += seconds;
    }
    const first = levels[0]!.at;
    const last = levels[levels.length - 1]!.at;
    replaced.push(span('sleep_duration', first, last, asleep, 's', key));
    const score = num(messages.sleepAssessmentMesgs?.[0]?.overallSleepScore);
    if (score !== null) replaced.push(instant('sleep_score', last, score, 'score', key));
  }
  for (const hrv of messages.hrvStatusSummaryMesgs ?? []) {
    const at = asDate(hrv.timestamp);
    const value = num(hrv.lastNightAverage);
    if (at && value !== null) replaced.push(instant('hrv_rmssd', at, value, 'ms', `hrv:${localDay(at)}`));
  }

  return {
    batches: [
      { samples: replaced, replaceRecords: true },
      { samples: upserted, replaceRecords: false },
    ].filter((batch) => batch.samples.length > 0),
    rejections,
  };
}

/** The device's local time offset, from a message that carries both UTC and local time. */
function localOffsetSeconds(messages: FitSdk.FitMessages): number {
  const candidates = [...(messages.activityMesgs ?? []), ...(messages.monitoringInfoMesgs ?? [])];
  for (const message of candidates) {
    const utc = asDate(message.timestamp);
    const local = message.localTimestamp;
    if (utc && typeof local === 'number') {
      const offset = local - (utc.getTime() / 1000 - FIT_EPOCH_SECONDS);
      // Time zones lie within UTC-12 and UTC+14; anything else is a clock that was never set.
      if (Math.abs(offset) <= 14 * 3600) return offset;
    }
  }
  return 0;
}

/** RMSSD of the beat-to-beat intervals (seconds in FIT), in milliseconds; null with fewer than ten. */
function rmssdMs(hrvMesgs: readonly FitSdk.HrvMesg[]): number | null {
  const intervals = hrvMesgs
    .flatMap((message) => message.time ?? [])
    .filter((t): t is number => typeof t === 'number' && t > 0.2 && t < 3);
  if (intervals.length < 10) return null;
  let sumOfSquares = 0;
  for (let i = 1; i < intervals.length; i += 1)
    sumOfSquares += (1000 * (intervals[i]! - intervals[i - 1]!)) ** 2;
  return Math.round(Math.sqrt(sumOfSquares / (intervals.length - 1)) * 10) / 10;
}

function asDate(value: unknown): Date | null {
  return value instanceof Date && Number.isFinite(value.getTime()) ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function instant(metric: string, at: Date, value: number, unit: string, recordKey: string): Sample {
  const iso = at.toISOString();
  return { metric, startAt: iso, endAt: iso, value, unit, source: SOURCE, recordKey };
}

function span(
  metric: string,
  start: Date,
  end: Date,
  value: number,
  unit: string,
  recordKey: string,
): Sample {
  return {
    metric,
    startAt: start.toISOString(),
    endAt: end.toISOString(),
    value,
    unit,
    source: SOURCE,
    recordKey,
  };
}
