import { parseAppleHealthDate } from './apple-health-date';
import { mapAppleHealthElement } from './apple-health-readings';

const record = (attributes: Record<string, string>) =>
  mapAppleHealthElement({
    kind: 'record',
    line: 1,
    attributes: {
      sourceName: 'Apple Watch',
      startDate: '2026-03-05 07:12:44 +0100',
      endDate: '2026-03-05 07:13:44 +0100',
      ...attributes,
    },
  });

const quantityOf = (result: ReturnType<typeof mapAppleHealthElement>) =>
  result.outcome === 'reading' && result.reading.kind === 'quantity' ? result.reading : undefined;

describe('parseAppleHealthDate', () => {
  it('reads local time with its offset as an instant', () => {
    expect(parseAppleHealthDate('2026-03-05 07:12:44 +0100')).toBe(Date.parse('2026-03-05T06:12:44Z'));
    expect(parseAppleHealthDate('2026-03-05 07:12:44 -0530')).toBe(Date.parse('2026-03-05T12:42:44Z'));
    expect(parseAppleHealthDate(' 2024-02-29 23:59:59 +1400\n')).toBe(Date.parse('2024-02-29T09:59:59Z'));
    expect(parseAppleHealthDate('2026-01-31 12:00:00 +0000')).toBe(Date.parse('2026-01-31T12:00:00Z'));
    expect(parseAppleHealthDate('2026-06-30 12:59:60 +0000')).toBe(Date.parse('2026-06-30T13:00:00Z'));
  });

  it.each([
    '',
    '2026-03-05',
    '2026-03-05T07:12:44Z',
    '2026-02-31 07:12:44 +0100',
    '2026-13-01 00:00:00 +0000',
    '2025-02-29 07:12:44 +0100',
    '2026-04-31 07:12:44 +0100',
    '2026-06-30 23:59:60 +0000',
    '2026-03-05 24:00:00 +0000',
    '2026-03-05 07:60:00 +0000',
    '2026-03-05 07:12:44 +1500',
    '2026-03-05 07:12:44 +0160',
    '2026-03-05 07:12:44 *0100',
    '2026-03-05 07:12:44 0100',
    '2026-03-05 07:1a:44 +0100',
    '2026/03/05 07:12:44 +0100',
    '2026-03-05  07:12:44 +010',
    '٢٠٢٦-03-05 07:12:44 +0100',
  ])('refuses %p', (text) => expect(parseAppleHealthDate(text)).toBeNull());
});

describe('mapAppleHealthElement', () => {
  it('converts quantities to canonical units', () => {
    expect(
      quantityOf(record({ type: 'HKQuantityTypeIdentifierBodyMass', unit: 'lb', value: '154.3' })),
    ).toMatchObject({
      metric: 'weight',
      value: expect.closeTo(69.99, 2),
    });
    expect(
      quantityOf(record({ type: 'HKQuantityTypeIdentifierBodyFatPercentage', unit: '%', value: '0.214' }))
        ?.value,
    ).toBeCloseTo(21.4, 6);
    expect(
      quantityOf(record({ type: 'HKQuantityTypeIdentifierActiveEnergyBurned', unit: 'kJ', value: '418.4' }))
        ?.value,
    ).toBeCloseTo(100, 6);
    expect(
      quantityOf(record({ type: 'HKQuantityTypeIdentifierVO2Max', unit: 'mL/min·kg', value: '44.5' })),
    ).toMatchObject({ metric: 'vo2max', value: 44.5 });
    expect(
      quantityOf(
        record({ type: 'HKQuantityTypeIdentifierHeartRateVariabilitySDNN', unit: 'ms', value: '48.2' }),
      ),
    ).toMatchObject({ metric: 'hrv_sdnn', value: 48.2 });
    expect(
      quantityOf(record({ type: 'HKQuantityTypeIdentifierStepCount', unit: 'count', value: '812' })),
    ).toEqual({
      kind: 'quantity',
      metric: 'steps',
      unit: 'count',
      value: 812,
      startMs: Date.parse('2026-03-05T06:12:44Z'),
      endMs: Date.parse('2026-03-05T06:13:44Z'),
      source: 'Apple Watch',
    });
  });

  it('maps sleep stages, old and new', () => {
    const stage = (value: string) => {
      const result = record({ type: 'HKCategoryTypeIdentifierSleepAnalysis', value });
      return result.outcome === 'reading' && result.reading.kind === 'sleep' ? result.reading.stage : result;
    };
    expect(stage('HKCategoryValueSleepAnalysisInBed')).toBe('in_bed');
    expect(stage('HKCategoryValueSleepAnalysisAsleep')).toBe('asleep');
    expect(stage('HKCategoryValueSleepAnalysisAsleepCore')).toBe('core');
    expect(stage('HKCategoryValueSleepAnalysisAsleepDeep')).toBe('deep');
    expect(stage('HKCategoryValueSleepAnalysisAsleepREM')).toBe('rem');
    expect(stage('HKCategoryValueSleepAnalysisAwake')).toBe('awake');
    expect(stage('HKCategoryValueSleepAnalysisDreaming')).toEqual({
      outcome: 'rejected',
      reason: 'HKCategoryTypeIdentifierSleepAnalysis: unknown sleep value',
    });
  });

  it('maps workouts with totals on the element or in WorkoutStatistics', () => {
    const base = {
      workoutActivityType: 'HKWorkoutActivityTypeTraditionalStrengthTraining',
      startDate: '2026-03-05 07:00:00 +0100',
      endDate: '2026-03-05 07:45:00 +0100',
      sourceName: 'Apple Watch',
    };
    const old = mapAppleHealthElement({
      kind: 'workout',
      line: 1,
      attributes: {
        ...base,
        duration: '0.75',
        durationUnit: 'hr',
        totalDistance: '3',
        totalDistanceUnit: 'mi',
        totalEnergyBurned: '250',
        totalEnergyBurnedUnit: 'kcal',
      },
      statistics: [],
    });
    expect(old).toMatchObject({
      outcome: 'reading',
      reading: {
        kind: 'workout',

        activity: 'traditional_strength_training',
        durationMinutes: 45,
        energyKcal: 250,
      },
    });
    expect(
      old.outcome === 'reading' && old.reading.kind === 'workout' && old.reading.distanceMetres,
    ).toBeCloseTo(4828.032, 3);

    const newer = mapAppleHealthElement({
      kind: 'workout',
      line: 1,
      attributes: { ...base, workoutActivityType: 'HKWorkoutActivityTypeRunning' },
      statistics: [
        { type: 'HKQuantityTypeIdentifierActiveEnergyBurned', sum: '1046', unit: 'kJ' },
        { type: 'HKQuantityTypeIdentifierDistanceWalkingRunning', sum: '5.2', unit: 'km' },
      ],
    });
    expect(newer).toMatchObject({
      outcome: 'reading',
      reading: {
        activity: 'running',
        durationMinutes: 45,
        distanceMetres: 5200,
        energyKcal: expect.closeTo(250, 3),
      },
    });
  });

  it.each([
    [
      { type: 'HKQuantityTypeIdentifierHeartRate', unit: 'count/min', value: 'n/a' },
      'HKQuantityTypeIdentifierHeartRate: value is not a number',
    ],
    [
      { type: 'HKQuantityTypeIdentifierHeartRate', unit: 'count/min', value: '' },
      'HKQuantityTypeIdentifierHeartRate: value is not a number',
    ],
    [
      { type: 'HKQuantityTypeIdentifierHeartRate', unit: 'count/min', value: '900' },
      'HKQuantityTypeIdentifierHeartRate: value out of the plausible range',
    ],
    [
      { type: 'HKQuantityTypeIdentifierBodyMass', unit: 'furlong', value: '3' },
      'HKQuantityTypeIdentifierBodyMass: unit "furlong" is not supported',
    ],
    [
      { type: 'HKQuantityTypeIdentifierStepCount', unit: 'count', value: '3', startDate: 'yesterday' },
      'HKQuantityTypeIdentifierStepCount: missing or unreadable startDate',
    ],
    [
      {
        type: 'HKQuantityTypeIdentifierStepCount',
        unit: 'count',
        value: '3',
        endDate: '2026-03-04 07:12:44 +0100',
      },
      'HKQuantityTypeIdentifierStepCount: endDate before startDate',
    ],
    [{ unit: 'count', value: '3' }, 'Record without a type'],
  ])('rejects a broken record %#', (attributes, reason) => {
    expect(record(attributes)).toEqual({ outcome: 'rejected', reason });
  });

  it('skips types the platform does not keep', () => {
    expect(record({ type: 'HKQuantityTypeIdentifierDietaryCaffeine', unit: 'mg', value: '80' })).toEqual({
      outcome: 'skipped',
      type: 'HKQuantityTypeIdentifierDietaryCaffeine',
    });
  });

  it('rejects a workout without a known activity or with an unreadable total', () => {
    const attributes = { startDate: '2026-03-05 07:00:00 +0100', endDate: '2026-03-05 07:45:00 +0100' };
    expect(mapAppleHealthElement({ kind: 'workout', line: 1, attributes, statistics: [] })).toMatchObject({
      outcome: 'rejected',
    });
    expect(
      mapAppleHealthElement({
        kind: 'workout',
        line: 1,
        attributes: {
          ...attributes,
          workoutActivityType: 'HKWorkoutActivityTypeCycling',
          totalDistance: 'far',
          totalDistanceUnit: 'km',
        },
        statistics: [],
      }),
    ).toEqual({ outcome: 'rejected', reason: 'Workout: distance is unreadable' });
  });
});
