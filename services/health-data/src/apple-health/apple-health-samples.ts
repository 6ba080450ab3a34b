import type { HealthSample } from '@conduit/contracts';
import type { AppleHealthReading, SleepStage } from './apple-health-readings';

export const APPLE_HEALTH_SOURCE = 'apple-health';

/**
 * Sleep stages as the platform's sleep metrics, in seconds. Every stage asleep also counts towards
 * `sleep_duration`; time in bed alone is not kept.
 */
const SLEEP_METRICS: Readonly<Record<SleepStage, readonly string[]>> = {
  in_bed: [],
  asleep: ['sleep_duration'],
  awake: ['sleep_awake'],
  core: ['sleep_light', 'sleep_duration'],
  deep: ['sleep_deep', 'sleep_duration'],
  rem: ['sleep_rem', 'sleep_duration'],
};

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A reading as the platform's samples. Exports carry no record ids: what the device was (`sourceName`)
 * with the start instant identifies a record, so importing the same export again replaces, never doubles.
 */
export function toHealthSamples(reading: AppleHealthReading): HealthSample[] {
  const startAt = iso(reading.startMs);
  // Most records are instants (a heart-rate reading): one date string for both ends.
  const endAt = reading.endMs === reading.startMs ? startAt : iso(reading.endMs);
  const base = { startAt, endAt, source: APPLE_HEALTH_SOURCE };
  switch (reading.kind) {
    case 'quantity': {
      const { metric, unit, value } = reading;
      return [{ ...base, metric, unit, value, recordKey: `device:${reading.source}` }];
    }
    case 'sleep':
      return SLEEP_METRICS[reading.stage].map((metric) => ({
        ...base,
        metric,
        unit: 's',
        value: (reading.endMs - reading.startMs) / 1_000,
        recordKey: `device:${reading.source}`,
      }));
    case 'workout': {
      // Distance and energy are kept with the workout only: the day's distance and energy records already
      // count them, so storing them as samples again would count them twice.
      const details: Record<string, unknown> = { activity: reading.activity, device: reading.source };
      if (reading.distanceMetres !== null) details.distanceMetres = reading.distanceMetres;
      if (reading.energyKcal !== null) details.energyKcal = reading.energyKcal;
      return [
        {
          ...base,
          metric: 'activity_duration',
          unit: 's',
          value: reading.durationMinutes * 60,
          recordKey: `workout:${reading.activity}:${reading.startMs}`,
          details,
        },
      ];
    }
  }
}
