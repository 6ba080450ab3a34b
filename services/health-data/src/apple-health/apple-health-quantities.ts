import {
  BEATS_PER_MINUTE,
  BREATHS_PER_MINUTE,
  COUNT,
  KILOCALORIES,
  KILOGRAMS,
  METRES,
  MG_PER_DL,
  MILLISECONDS,
  MINUTES,
  PERCENT_FROM_FRACTION,
  VO2_MAX,
  convertUnit,
} from './apple-health-units';

/** The platform's metric a HealthKit quantity type becomes, and how its value reaches the canonical unit. */
export interface QuantityMapping {
  /** The platform's metric and its canonical unit (metric-catalog.ts). */
  metric: string;
  unit: string;
  /** The value in the canonical unit, or null when `unit` is not one this type may carry. */
  convert: (value: number, unit: string) => number | null;
  /** Values outside are rejected as implausible (a sensor glitch, a typo in a manual entry). */
  min: number;
  max: number;
}

const factors =
  (table: Readonly<Record<string, number>>) =>
  (value: number, unit: string): number | null =>
    convertUnit(value, unit, table);

/**
 * HealthKit quantity types the import understands, by their identifier in `Record type="..."`; types not listed are
 * counted as skipped, not rejected. `hrv_sdnn` is kept apart from Garmin's `hrv_rmssd`: another measure of
 * the same variability, not comparable value for value.
 */
export const APPLE_HEALTH_QUANTITIES: ReadonlyMap<string, QuantityMapping> = new Map([
  [
    'HKQuantityTypeIdentifierHeartRate',
    { metric: 'heart_rate', unit: 'bpm', convert: factors(BEATS_PER_MINUTE), min: 20, max: 260 },
  ],
  [
    'HKQuantityTypeIdentifierRestingHeartRate',
    { metric: 'resting_heart_rate', unit: 'bpm', convert: factors(BEATS_PER_MINUTE), min: 20, max: 200 },
  ],
  [
    'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
    { metric: 'hrv_sdnn', unit: 'ms', convert: factors(MILLISECONDS), min: 1, max: 500 },
  ],
  [
    'HKQuantityTypeIdentifierStepCount',
    { metric: 'steps', unit: 'count', convert: factors(COUNT), min: 0, max: 200_000 },
  ],
  [
    'HKQuantityTypeIdentifierBodyMass',
    { metric: 'weight', unit: 'kg', convert: factors(KILOGRAMS), min: 1, max: 700 },
  ],
  [
    'HKQuantityTypeIdentifierBodyFatPercentage',
    { metric: 'body_fat', unit: '%', convert: factors(PERCENT_FROM_FRACTION), min: 1, max: 80 },
  ],
  [
    'HKQuantityTypeIdentifierBodyMassIndex',
    { metric: 'bmi', unit: 'kg/m²', convert: factors(COUNT), min: 5, max: 150 },
  ],
  [
    'HKQuantityTypeIdentifierVO2Max',
    { metric: 'vo2max', unit: 'mL/kg/min', convert: factors(VO2_MAX), min: 5, max: 100 },
  ],
  [
    'HKQuantityTypeIdentifierActiveEnergyBurned',
    { metric: 'active_energy', unit: 'kcal', convert: factors(KILOCALORIES), min: 0, max: 20_000 },
  ],
  [
    'HKQuantityTypeIdentifierDistanceWalkingRunning',
    { metric: 'distance', unit: 'm', convert: factors(METRES), min: 0, max: 500_000 },
  ],
  [
    'HKQuantityTypeIdentifierAppleExerciseTime',
    { metric: 'intensity_minutes', unit: 'min', convert: factors(MINUTES), min: 0, max: 1_440 },
  ],
  [
    'HKQuantityTypeIdentifierRespiratoryRate',
    {
      metric: 'respiration_rate',
      unit: 'breaths/min',
      convert: factors(BREATHS_PER_MINUTE),
      min: 2,
      max: 80,
    },
  ],
  [
    'HKQuantityTypeIdentifierOxygenSaturation',
    { metric: 'spo2', unit: '%', convert: factors(PERCENT_FROM_FRACTION), min: 50, max: 100 },
  ],
  [
    'HKQuantityTypeIdentifierBloodGlucose',
    { metric: 'blood.glucose', unit: 'mg/dL', convert: factors(MG_PER_DL), min: 10, max: 1_000 },
  ],
]);
