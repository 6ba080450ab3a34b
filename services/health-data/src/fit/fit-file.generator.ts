/**
 * FIT files written with Garmin's SDK Encoder (activities, sleep, daily monitoring), for tests and the
 * benchmark.
 */
import type * as FitSdk from '@garmin/fitsdk' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Encoder, Profile } = require('@garmin/fitsdk') as typeof FitSdk;

const FIT_EPOCH_SECONDS = 631_065_600;
const NAMES = [
  'FILE_ID',
  'RECORD',
  'LAP',
  'SESSION',
  'ACTIVITY',
  'DEVELOPER_DATA_ID',
  'FIELD_DESCRIPTION',
  'SLEEP_LEVEL',
  'SLEEP_ASSESSMENT',
  'MONITORING',
  'MONITORING_INFO',
  'STRESS_LEVEL',
] as const;
/** The message numbers used here, looked up once in the SDK's profile. */
const MesgNum = Object.fromEntries(
  NAMES.map((name) => {
    const number = Profile.MesgNum[name];
    if (number === undefined) throw new Error(`the FIT profile has no ${name} message`);
    return [name, number];
  }),
) as Record<(typeof NAMES)[number], number>;

type FitEncoder = InstanceType<typeof Encoder>;

/** Writes a message by its fields' profile names (the SDK's types take one message type at a time). */
function write(encoder: FitEncoder, mesg: { mesgNum: number } & Record<string, unknown>): void {
  encoder.writeMesg(mesg as FitSdk.Encodable<FitSdk.Mesg>);
}

/** FIT local time: seconds since the FIT epoch on the device's clock (UTC shifted by its offset). */
export const fitLocalTime = (utc: Date, offsetSeconds: number) =>
  Math.round(utc.getTime() / 1000 - FIT_EPOCH_SECONDS + offsetSeconds);

export interface ActivityOptions {
  start: Date;
  /** One record a second. */
  records: number;
  heartRate?: (second: number) => number | undefined;
  laps?: number;
  /** The device's UTC offset in seconds. */
  offsetSeconds?: number;
  /** Speed in m/s (enhanced speed), by second. */
  speed?: (second: number) => number;
  /** A developer field ("core_temperature", °C) on every record. */
  developerField?: boolean;
}

/** An activity file made with the SDK's Encoder: records, laps, one session. */
export function activityFit(options: ActivityOptions): Uint8Array {
  const { start, records } = options;
  const at = (second: number) => new Date(start.getTime() + second * 1000);
  const developer = options.developerField
    ? {
        developerDataIdMesg: {
          mesgNum: MesgNum.DEVELOPER_DATA_ID,
          applicationId: Array(16).fill(7),
          developerDataIndex: 0,
          applicationVersion: 1,
        },
        fieldDescriptionMesg: {
          mesgNum: MesgNum.FIELD_DESCRIPTION,
          developerDataIndex: 0,
          fieldDefinitionNumber: 0,
          fitBaseTypeId: 136, // float32
          fieldName: 'Core Temperature',
          units: '°C',
          nativeMesgNum: MesgNum.RECORD,
        },
      }
    : null;
  const encoder = new Encoder(developer ? { fieldDescriptions: { 0: developer } } : undefined);
  write(encoder, {
    mesgNum: MesgNum.FILE_ID,
    type: 'activity',
    manufacturer: 'development',
    product: 1,
    serialNumber: 4242,
    timeCreated: start,
  });
  if (developer) {
    write(encoder, developer.developerDataIdMesg);
    write(encoder, developer.fieldDescriptionMesg);
  }
  for (let second = 0; second < records; second += 1) {
    const heartRate = options.heartRate ? options.heartRate(second) : 100 + (second % 50);
    write(encoder, {
      mesgNum: MesgNum.RECORD,
      timestamp: at(second),
      ...(heartRate === undefined ? {} : { heartRate }),
      enhancedSpeed: options.speed ? options.speed(second) : 3 + (second % 10) / 10,
      power: 200 + (second % 30),
      cadence: 85,
      ...(developer ? { developerFields: { 0: 37 + second / 1000 } } : {}),
    });
  }
  const laps = options.laps ?? 1;
  const lapSeconds = Math.floor(records / laps);
  for (let lap = 0; lap < laps; lap += 1) {
    write(encoder, {
      mesgNum: MesgNum.LAP,
      timestamp: at((lap + 1) * lapSeconds),
      startTime: at(lap * lapSeconds),
      totalElapsedTime: lapSeconds,
      totalTimerTime: lapSeconds,
      totalDistance: lapSeconds * 3,
    });
  }
  write(encoder, {
    mesgNum: MesgNum.SESSION,
    timestamp: at(records),
    startTime: start,
    totalElapsedTime: records,
    totalTimerTime: records,
    totalDistance: records * 3,
    totalCalories: Math.round(records / 6),
    sport: 'running',
  });
  write(encoder, {
    mesgNum: MesgNum.ACTIVITY,
    timestamp: at(records),
    localTimestamp: fitLocalTime(at(records), options.offsetSeconds ?? 0),
    numSessions: 1,
    totalTimerTime: records,
  });
  return encoder.close();
}

export interface SleepStage {
  at: Date;
  level: 'awake' | 'light' | 'deep' | 'rem';
}

/** A sleep file: stage changes (the last one the wake-up), a score, and the device's local time. */
export function sleepFit(
  stages: SleepStage[],
  options: { offsetSeconds?: number; score?: number } = {},
): Uint8Array {
  const encoder = new Encoder();
  const first = stages[0]!.at;
  // Devices write sleep as file type 49, which the public profile does not name.
  write(encoder, {
    mesgNum: MesgNum.FILE_ID,
    type: 49 as never,
    manufacturer: 'development',
    product: 1,
    timeCreated: first,
  });
  for (const stage of stages)
    write(encoder, { mesgNum: MesgNum.SLEEP_LEVEL, timestamp: stage.at, sleepLevel: stage.level });
  if (options.score !== undefined) {
    write(encoder, { mesgNum: MesgNum.SLEEP_ASSESSMENT, overallSleepScore: options.score });
  }
  const last = stages[stages.length - 1]!.at;
  write(encoder, {
    mesgNum: MesgNum.ACTIVITY,
    timestamp: last,
    localTimestamp: fitLocalTime(last, options.offsetSeconds ?? 0),
    numSessions: 0,
  });
  return encoder.close();
}

/** A daily monitoring file: heart rate and cumulative steps every 15 minutes, stress every 3. */
export function monitoringFit(start: Date, intervals: number, offsetSeconds = 0): Uint8Array {
  const encoder = new Encoder();
  write(encoder, {
    mesgNum: MesgNum.FILE_ID,
    type: 'monitoringB',
    manufacturer: 'development',
    product: 1,
    timeCreated: start,
  });
  write(encoder, {
    mesgNum: MesgNum.MONITORING_INFO,
    timestamp: start,
    localTimestamp: fitLocalTime(start, offsetSeconds),
  });
  for (let i = 0; i < intervals; i += 1) {
    const at = new Date(start.getTime() + i * 15 * 60_000);
    write(encoder, {
      mesgNum: MesgNum.MONITORING,
      timestamp: at,
      heartRate: 60 + (i % 5),
      cycles: (i + 1) * 50,
      activityType: 'walking',
    });
    // (cycles are counted in halves: walking's steps are twice the cycles field)
    write(encoder, {
      mesgNum: MesgNum.STRESS_LEVEL,
      stressLevelTime: at,
      stressLevelValue: i % 2 === 0 ? 30 : -1,
    });
  }
  return encoder.close();
}
