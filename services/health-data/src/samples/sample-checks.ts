import type { HealthSample } from '@conduit/contracts';
import { metricSpec } from '../metrics/metric-catalog';

/** The earliest time a sample may start: earlier ones are unset clocks (FIT counts from 1989-12-31). */
const EARLIEST = Date.parse('1990-01-01T00:00:00Z');

/**
 * Why a sample cannot be stored, or null when it can: an unknown metric, a unit other than the
 * metric's canonical one, a value no measurement can have, an end before its start, or a start in the
 * future (beyond `futureToleranceMs` past `now`) or before 1990.
 */
export function sampleProblem(sample: HealthSample, now: number, futureToleranceMs: number): string | null {
  const spec = metricSpec(sample.metric);
  if (!spec) return `unknown metric ${sample.metric}`;
  if (spec.unit !== '' && sample.unit !== spec.unit) {
    return `${sample.metric} must be in ${spec.unit}, not ${sample.unit}`;
  }
  if (!Number.isFinite(sample.value)) return `${sample.metric} is not a number`;
  if (sample.value < spec.possible.min || sample.value > spec.possible.max) {
    return `impossible ${sample.metric} ${sample.value} ${sample.unit} (possible: ${spec.possible.min} to ${spec.possible.max})`;
  }
  const start = Date.parse(sample.startAt);
  const end = Date.parse(sample.endAt);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return 'no valid time';
  if (end < start) return 'ends before it starts';
  if (start < EARLIEST) return `dated ${sample.startAt}, before 1990`;
  if (start > now + futureToleranceMs) return `dated ${sample.startAt}, in the future`;
  return null;
}
