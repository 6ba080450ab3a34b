import { parseAppleHealthDate } from './apple-health-date';
import type { AppleHealthElement } from './apple-health-elements';
import { APPLE_HEALTH_QUANTITIES } from './apple-health-quantities';
import { KILOCALORIES, METRES, MINUTES, convertUnit } from './apple-health-units';

/**
 * What one element of an export says, in canonical units, before it becomes the platform's samples:
 * a measured quantity over an interval, a sleep stage over an interval, or a workout.
 */
export type AppleHealthReading =
  | {
      kind: 'quantity';
      metric: string;
      unit: string;
      value: number;
      startMs: number;
      endMs: number;
      source: string;
    }
  | { kind: 'sleep'; stage: SleepStage; startMs: number; endMs: number; source: string }
  | {
      kind: 'workout';
      activity: string;
      startMs: number;
      endMs: number;
      durationMinutes: number;
      distanceMetres: number | null;
      energyKcal: number | null;
      source: string;
    };

export type SleepStage = 'in_bed' | 'asleep' | 'awake' | 'core' | 'deep' | 'rem';

export type MappedElement =
  | { outcome: 'reading'; reading: AppleHealthReading }
  /** A type the platform does not keep (a food log entry, a route); counted, not an error. */
  | { outcome: 'skipped'; type: string }
  | { outcome: 'rejected'; reason: string };

const SLEEP_TYPE = 'HKCategoryTypeIdentifierSleepAnalysis';
const SLEEP_STAGES: ReadonlyMap<string, SleepStage> = new Map([
  ['HKCategoryValueSleepAnalysisInBed', 'in_bed'],
  ['HKCategoryValueSleepAnalysisAsleep', 'asleep'],
  ['HKCategoryValueSleepAnalysisAsleepUnspecified', 'asleep'],
  ['HKCategoryValueSleepAnalysisAwake', 'awake'],
  ['HKCategoryValueSleepAnalysisAsleepCore', 'core'],
  ['HKCategoryValueSleepAnalysisAsleepDeep', 'deep'],
  ['HKCategoryValueSleepAnalysisAsleepREM', 'rem'],
]);
/** Longest interval one record may span; longer ones are clock errors. */
const MAX_SPAN_MS = 2 * 86_400_000;
const WORKOUT_PREFIX = 'HKWorkoutActivityType';

/** Maps one element of `export.xml`. Never throws: a record it cannot read is a rejection with a reason. */
export function mapAppleHealthElement(element: AppleHealthElement): MappedElement {
  switch (element.kind) {
    case 'xml-error':
      return { outcome: 'rejected', reason: `malformed XML: ${element.message}` };
    case 'record':
      return mapRecord(element.attributes);
    case 'workout':
      return mapWorkout(element.attributes, element.statistics);
  }
}

function interval(
  attributes: Readonly<Record<string, string>>,
): { startMs: number; endMs: number } | { reason: string } {
  const startMs = parseAppleHealthDate(attributes.startDate);
  // An instant (a heart-rate reading) carries the same text twice: read once.
  const endMs =
    attributes.endDate === undefined || attributes.endDate === attributes.startDate
      ? startMs
      : parseAppleHealthDate(attributes.endDate);
  if (startMs === null) return { reason: 'missing or unreadable startDate' };
  if (endMs === null) return { reason: 'unreadable endDate' };
  if (endMs < startMs) return { reason: 'endDate before startDate' };
  if (endMs - startMs > MAX_SPAN_MS) return { reason: 'interval longer than two days' };
  return { startMs, endMs };
}

function sourceOf(attributes: Readonly<Record<string, string>>): string {
  return (attributes.sourceName ?? 'Apple Health').slice(0, 200);
}

function mapRecord(attributes: Readonly<Record<string, string>>): MappedElement {
  const type = attributes.type;
  if (!type) return { outcome: 'rejected', reason: 'Record without a type' };
  if (type === SLEEP_TYPE) return mapSleep(attributes);
  const mapping = APPLE_HEALTH_QUANTITIES.get(type);
  if (!mapping) return { outcome: 'skipped', type };
  const when = interval(attributes);
  if ('reason' in when) return { outcome: 'rejected', reason: `${type}: ${when.reason}` };
  const raw =
    attributes.value === undefined || attributes.value.trim() === '' ? NaN : Number(attributes.value);
  if (!Number.isFinite(raw)) return { outcome: 'rejected', reason: `${type}: value is not a number` };
  const unit = attributes.unit ?? '';
  const value = mapping.convert(raw, unit);
  if (value === null)
    return { outcome: 'rejected', reason: `${type}: unit "${unit.slice(0, 40)}" is not supported` };
  if (value < mapping.min || value > mapping.max)
    return { outcome: 'rejected', reason: `${type}: value out of the plausible range` };
  return {
    outcome: 'reading',
    reading: {
      kind: 'quantity',
      metric: mapping.metric,
      unit: mapping.unit,
      value,
      ...when,
      source: sourceOf(attributes),
    },
  };
}

function mapSleep(attributes: Readonly<Record<string, string>>): MappedElement {
  const stage = SLEEP_STAGES.get(attributes.value ?? '');
  if (!stage) return { outcome: 'rejected', reason: `${SLEEP_TYPE}: unknown sleep value` };
  const when = interval(attributes);
  if ('reason' in when) return { outcome: 'rejected', reason: `${SLEEP_TYPE}: ${when.reason}` };
  return { outcome: 'reading', reading: { kind: 'sleep', stage, ...when, source: sourceOf(attributes) } };
}

function optionalNumber(text: string | undefined): number | null | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** A total kept either on the Workout itself (older exports) or in a WorkoutStatistics child (newer ones). */
function workoutTotal(
  attributes: Readonly<Record<string, string>>,
  statistics: ReadonlyArray<Readonly<Record<string, string>>>,
  attribute: string,
  statisticTypes: readonly string[],
  table: Readonly<Record<string, number>>,
): number | null | undefined {
  const own = optionalNumber(attributes[attribute]);
  if (own === null) return null;
  if (own !== undefined) return convertUnit(own, attributes[`${attribute}Unit`] ?? '', table);
  const statistic = statistics.find((s) => s.type !== undefined && statisticTypes.includes(s.type));
  if (!statistic) return undefined;
  const sum = optionalNumber(statistic.sum);
  if (sum === null) return null;
  if (sum === undefined) return undefined;
  return convertUnit(sum, statistic.unit ?? '', table);
}

function mapWorkout(
  attributes: Readonly<Record<string, string>>,
  statistics: ReadonlyArray<Readonly<Record<string, string>>>,
): MappedElement {
  const activityType = attributes.workoutActivityType ?? '';
  if (!activityType.startsWith(WORKOUT_PREFIX) || activityType.length === WORKOUT_PREFIX.length)
    return { outcome: 'rejected', reason: 'Workout: missing or unknown workoutActivityType' };
  const when = interval(attributes);
  if ('reason' in when) return { outcome: 'rejected', reason: `Workout: ${when.reason}` };
  const ownDuration = optionalNumber(attributes.duration);
  if (ownDuration === null) return { outcome: 'rejected', reason: 'Workout: duration is not a number' };
  const durationMinutes =
    ownDuration === undefined
      ? (when.endMs - when.startMs) / 60_000
      : convertUnit(ownDuration, attributes.durationUnit ?? 'min', MINUTES);
  if (durationMinutes === null)
    return { outcome: 'rejected', reason: 'Workout: duration unit is not supported' };
  const distance = workoutTotal(
    attributes,
    statistics,
    'totalDistance',
    [
      'HKQuantityTypeIdentifierDistanceWalkingRunning',
      'HKQuantityTypeIdentifierDistanceCycling',
      'HKQuantityTypeIdentifierDistanceSwimming',
    ],
    METRES,
  );
  const energy = workoutTotal(
    attributes,
    statistics,
    'totalEnergyBurned',
    ['HKQuantityTypeIdentifierActiveEnergyBurned'],
    KILOCALORIES,
  );
  if (distance === null) return { outcome: 'rejected', reason: 'Workout: distance is unreadable' };
  if (energy === null) return { outcome: 'rejected', reason: 'Workout: energy is unreadable' };
  return {
    outcome: 'reading',
    reading: {
      kind: 'workout',
      activity: toSnakeCase(activityType.slice(WORKOUT_PREFIX.length)),
      ...when,
      durationMinutes,
      distanceMetres: distance ?? null,
      energyKcal: energy ?? null,
      source: sourceOf(attributes),
    },
  };
}

/** `TraditionalStrengthTraining` → `traditional_strength_training`. */
function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}
