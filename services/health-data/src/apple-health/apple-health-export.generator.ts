/**
 * Deterministic `export.xml` documents shaped like the Health app's, for tests and the benchmark: produced
 * piece by piece, so a document of any size can be streamed without being held in memory.
 */
export interface GeneratedExportOptions {
  /** First day (UTC midnight, ms). */
  startMs: number;
  days: number;
  /** Heart-rate records per day, spread evenly (1,440 is minute-level). */
  heartRatePerDay: number;
  /** Every n-th heart-rate record is broken (a value that is not a number); 0 for none. */
  brokenEvery?: number;
  seed?: number;
}

const DAY_MS = 86_400_000;

const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-12-01 08:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-04-12" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
`;
const FOOTER = '</HealthData>\n';
const DEVICE =
  '&lt;&lt;HKDevice: 0x2830a4f50&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch&gt;';

/** Mulberry32: a small seeded generator, so every run writes the same document. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `2026-03-05 07:12:44 +0100` for an instant, written in a fixed +01:00 offset as an export from Europe. */
export function appleHealthDate(ms: number): string {
  const local = new Date(ms + 3_600_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 19)} +0100`;
}

function record(type: string, unit: string, value: string, startMs: number, endMs: number): string {
  return (
    ` <Record type="${type}" sourceName="Apple Watch" sourceVersion="10.1" device="${DEVICE}" unit="${unit}" ` +
    `creationDate="${appleHealthDate(endMs)}" startDate="${appleHealthDate(startMs)}" endDate="${appleHealthDate(endMs)}" value="${value}"/>\n`
  );
}

function sleepRecord(stage: string, startMs: number, endMs: number): string {
  return (
    ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Apple Watch" sourceVersion="10.1" ` +
    `creationDate="${appleHealthDate(endMs)}" startDate="${appleHealthDate(startMs)}" endDate="${appleHealthDate(endMs)}" ` +
    `value="HKCategoryValueSleepAnalysis${stage}"/>\n`
  );
}

function workout(startMs: number, minutes: number, km: number, kcal: number): string {
  const endMs = startMs + minutes * 60_000;
  return (
    ` <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="${minutes}" durationUnit="min" ` +
    `sourceName="Apple Watch" creationDate="${appleHealthDate(endMs)}" startDate="${appleHealthDate(startMs)}" endDate="${appleHealthDate(endMs)}">\n` +
    `  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n` +
    `  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="${appleHealthDate(startMs)}" endDate="${appleHealthDate(endMs)}" sum="${kcal}" unit="kcal"/>\n` +
    `  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="${appleHealthDate(startMs)}" endDate="${appleHealthDate(endMs)}" sum="${km}" unit="km"/>\n` +
    ` </Workout>\n`
  );
}

/** What a generated document holds, to check an import against. */
export function expectedCounts(options: GeneratedExportOptions): {
  heartRate: number;
  broken: number;
  perDayOther: number;
} {
  const heartRate = options.days * options.heartRatePerDay;
  const broken = options.brokenEvery ? Math.floor(heartRate / options.brokenEvery) : 0;
  return { heartRate: heartRate - broken, broken, perDayOther: PER_DAY_OTHER };
}

/** Readings each day holds besides heart rate: steps, resting HR, HRV, body mass, body fat, VO2 max,
 * active energy, 4 sleep stages, a workout on even days counted separately. */
const PER_DAY_OTHER = 11;

/** The document, a day at a time (each piece a few hundred kB at most at minute-level heart rate). */
export function* generateAppleHealthExport(options: GeneratedExportOptions): Generator<string> {
  const random = seededRandom(options.seed ?? 1);
  const everyMs = options.heartRatePerDay > 0 ? DAY_MS / options.heartRatePerDay : DAY_MS;
  let heartRateIndex = 0;
  yield HEADER;
  for (let day = 0; day < options.days; day += 1) {
    const dayMs = options.startMs + day * DAY_MS;
    const parts: string[] = [];
    for (let i = 0; i < options.heartRatePerDay; i += 1) {
      heartRateIndex += 1;
      const at = Math.round(dayMs + i * everyMs);
      const broken =
        options.brokenEvery !== undefined &&
        options.brokenEvery > 0 &&
        heartRateIndex % options.brokenEvery === 0;
      const bpm = broken ? 'n/a' : String(Math.round(55 + 40 * random()));
      parts.push(record('HKQuantityTypeIdentifierHeartRate', 'count/min', bpm, at, at));
    }
    const noon = dayMs + 12 * 3_600_000;
    parts.push(
      record(
        'HKQuantityTypeIdentifierStepCount',
        'count',
        String(Math.round(4000 + 8000 * random())),
        noon,
        noon + 3_600_000,
      ),
    );
    parts.push(
      record(
        'HKQuantityTypeIdentifierRestingHeartRate',
        'count/min',
        String(Math.round(50 + 10 * random())),
        noon,
        noon,
      ),
    );
    parts.push(
      record(
        'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        'ms',
        (40 + 30 * random()).toFixed(3),
        noon,
        noon + 60_000,
      ),
    );
    parts.push(record('HKQuantityTypeIdentifierBodyMass', 'lb', (150 + 4 * random()).toFixed(1), noon, noon));
    parts.push(
      record(
        'HKQuantityTypeIdentifierBodyFatPercentage',
        '%',
        (0.2 + 0.03 * random()).toFixed(3),
        noon,
        noon,
      ),
    );
    parts.push(
      record('HKQuantityTypeIdentifierVO2Max', 'mL/min·kg', (42 + 3 * random()).toFixed(2), noon, noon),
    );
    parts.push(
      record(
        'HKQuantityTypeIdentifierActiveEnergyBurned',
        'kJ',
        (1500 + 800 * random()).toFixed(1),
        noon,
        noon + 3_600_000,
      ),
    );
    // A night: 23:00 the day before to 06:30, in four stages.
    const bed = dayMs - 3_600_000;
    parts.push(sleepRecord('InBed', bed, bed + 7.5 * 3_600_000));
    parts.push(sleepRecord('AsleepCore', bed + 600_000, bed + 4 * 3_600_000));
    parts.push(sleepRecord('AsleepDeep', bed + 4 * 3_600_000, bed + 5.5 * 3_600_000));
    parts.push(sleepRecord('AsleepREM', bed + 5.5 * 3_600_000, bed + 7.3 * 3_600_000));
    if (day % 2 === 0) parts.push(workout(dayMs + 7 * 3_600_000, 30 + Math.round(20 * random()), 5.2, 320));
    yield parts.join('');
  }
  yield FOOTER;
}
