// What the health benchmark uploads: a zip of FIT files made with the service's FIT generator (Garmin's
// SDK Encoder), and Garmin Health API push notifications. Both deterministic, dated in the past.
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO_ROOT, requireFromRoot } from './platform.mjs';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * A zip of `activities` one-hour activity files (a record a second: heart rate, speed, power, cadence)
 * and `monitoringDays` daily monitoring files (heart rate and steps every 15 minutes, stress), one
 * activity and one monitoring file a day from `startMs` (UTC midnight).
 */
export async function fitZip({ startMs, activities, monitoringDays }) {
  const { activityFit, monitoringFit } = requireFromRoot(
    join(REPO_ROOT, 'services/health-data/dist/fit/fit-file.generator.js'),
  );
  const { ZipFile } = requireFromRoot('yazl');
  const zip = new ZipFile();
  for (let day = 0; day < activities; day += 1) {
    const start = new Date(startMs + day * DAY + 7 * HOUR);
    zip.addBuffer(Buffer.from(activityFit({ start, records: 3_600, laps: 4 })), `activity-${day}.fit`);
  }
  for (let day = 0; day < monitoringDays; day += 1) {
    const start = new Date(startMs + day * DAY);
    zip.addBuffer(Buffer.from(monitoringFit(start, 96)), `monitoring-${day}.fit`);
  }
  zip.end();
  const chunks = [];
  zip.outputStream.on('data', (chunk) => chunks.push(chunk));
  await once(zip.outputStream, 'end');
  return Buffer.concat(chunks);
}

/**
 * Garmin Health API push notifications for `garminUserId`, `daysPerPush` days each: dailies with heart
 * rate every 15 seconds, sleeps with their stage map, and stress details (stress and body battery every
 * 3 minutes), as the Health API sends them.
 */
export function* garminPushes({ garminUserId, startMs, days, daysPerPush }) {
  for (let first = 0; first < days; first += daysPerPush) {
    const notification = { dailies: [], sleeps: [], stressDetails: [] };
    for (let day = first; day < Math.min(days, first + daysPerPush); day += 1) {
      const dayMs = startMs + day * DAY;
      const calendarDate = new Date(dayMs).toISOString().slice(0, 10);
      const startTimeInSeconds = dayMs / 1000;
      const heartRates = {};
      for (let offset = 0; offset < 86_400; offset += 15) heartRates[offset] = 55 + ((offset / 15) % 50);
      notification.dailies.push({
        userId: garminUserId,
        summaryId: `daily-${calendarDate}`,
        calendarDate,
        startTimeInSeconds,
        startTimeOffsetInSeconds: 0,
        durationInSeconds: 86_400,
        steps: 8_000 + (day % 7) * 500,
        distanceInMeters: 6_000 + (day % 7) * 400,
        activeKilocalories: 400,
        floorsClimbed: 8,
        restingHeartRateInBeatsPerMinute: 52 + (day % 5),
        moderateIntensityDurationInSeconds: 1_200,
        vigorousIntensityDurationInSeconds: 600,
        averageStressLevel: 30,
        timeOffsetHeartRateSamples: heartRates,
      });
      const bed = startTimeInSeconds - 3_600;
      const stage = (from, minutes) => ({
        startTimeInSeconds: bed + from * 60,
        endTimeInSeconds: bed + (from + minutes) * 60,
      });
      notification.sleeps.push({
        userId: garminUserId,
        summaryId: `sleep-${calendarDate}`,
        calendarDate,
        startTimeInSeconds: bed,
        durationInSeconds: 480 * 60,
        deepSleepDurationInSeconds: 90 * 60,
        lightSleepDurationInSeconds: 260 * 60,
        remSleepInSeconds: 110 * 60,
        awakeDurationInSeconds: 20 * 60,
        sleepLevelsMap: {
          light: [stage(0, 120), stage(210, 140)],
          deep: [stage(120, 90)],
          rem: [stage(350, 110)],
          awake: [stage(460, 20)],
        },
        overallSleepScore: { value: 80 + (day % 10) },
      });
      const stress = {};
      const bodyBattery = {};
      for (let offset = 0; offset < 86_400; offset += 180) {
        stress[offset] = 20 + ((offset / 180) % 40);
        bodyBattery[offset] = 90 - ((offset / 180) % 60);
      }
      notification.stressDetails.push({
        userId: garminUserId,
        summaryId: `stress-${calendarDate}`,
        calendarDate,
        startTimeInSeconds,
        durationInSeconds: 86_400,
        timeOffsetStressLevelValues: stress,
        timeOffsetBodyBatteryValues: bodyBattery,
      });
    }
    yield notification;
  }
}
