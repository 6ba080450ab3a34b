/** How a metric's recent days compare with its longer run: the averages the overview shows beside it. */
export type TrendDirection = 'up' | 'down' | 'flat';

export interface MetricWindows {
  average7: number | null;
  average30: number | null;
  average90: number | null;
}

/**
 * Relative change of the 7-day average against the 30-day one under which a metric counts as unchanged
 * (day-to-day noise of resting heart rate or weight stays well inside it).
 */
export const FLAT_WITHIN = 0.02;

/** The direction of the last week against the last month; null when either is missing. */
export function trendDirection(windows: MetricWindows, flatWithin = FLAT_WITHIN): TrendDirection | null {
  const { average7, average30 } = windows;
  if (average7 === null || average30 === null) return null;
  if (average30 === 0) return average7 === 0 ? 'flat' : average7 > 0 ? 'up' : 'down';
  const change = (average7 - average30) / Math.abs(average30);
  if (Math.abs(change) <= flatWithin) return 'flat';
  return change > 0 ? 'up' : 'down';
}

export type HrvStatus = 'balanced' | 'unbalanced' | 'low' | 'no_baseline';

/**
 * HRV status as wearables report it: the last 7 days' average against the personal baseline (the 90-day
 * mean ± one standard deviation). Below the baseline by more than twice the deviation is low; outside
 * it otherwise is unbalanced. Fewer than 14 days of data give no baseline.
 */
export function hrvStatus(input: {
  average7: number | null;
  baselineMean: number | null;
  baselineStddev: number | null;
  baselineDays: number;
}): HrvStatus {
  const { average7, baselineMean, baselineStddev, baselineDays } = input;
  if (average7 === null || baselineMean === null || baselineStddev === null || baselineDays < 14)
    return 'no_baseline';
  const spread = Math.max(baselineStddev, baselineMean * 0.03);
  if (average7 < baselineMean - 2 * spread) return 'low';
  if (Math.abs(average7 - baselineMean) > spread) return 'unbalanced';
  return 'balanced';
}

/**
 * A night's sleep score (0–100) when the device gave none: duration against 7–9 hours (50 points), deep
 * and REM sleep as a share of the time asleep against 40 % (30 points), and time awake in bed (20 points,
 * lost at one point per 3 minutes).
 */
export function sleepScore(night: {
  asleepMinutes: number;
  deepMinutes: number;
  remMinutes: number;
  awakeMinutes: number;
}): number | null {
  if (!(night.asleepMinutes > 0)) return null;
  const hours = night.asleepMinutes / 60;
  const durationPoints =
    hours >= 7 && hours <= 9
      ? 50
      : hours < 7
        ? (50 * Math.max(0, hours - 3)) / 4
        : 50 * Math.max(0, 1 - (hours - 9) / 4);
  const restorative = (night.deepMinutes + night.remMinutes) / night.asleepMinutes;
  const stagePoints = 30 * Math.min(1, restorative / 0.4);
  const awakePoints = Math.max(0, 20 - night.awakeMinutes / 3);
  return Math.round(durationPoints + stagePoints + awakePoints);
}

/**
 * Training readiness (0–100) when the device gave none: how rested the body looks today against its own
 * baseline. HRV status, last night's sleep score and resting heart rate against its 30-day average each
 * weigh in; missing inputs are left out of the weighting, and with none there is no readiness.
 */
export function trainingReadiness(input: {
  hrvStatus: HrvStatus;
  sleepScore: number | null;
  restingHeartRate7: number | null;
  restingHeartRate30: number | null;
}): number | null {
  const parts: Array<[weight: number, score: number]> = [];
  const hrvPoints: Record<HrvStatus, number | null> = {
    balanced: 90,
    unbalanced: 60,
    low: 25,
    no_baseline: null,
  };
  const hrv = hrvPoints[input.hrvStatus];
  if (hrv !== null) parts.push([0.4, hrv]);
  if (input.sleepScore !== null) parts.push([0.35, input.sleepScore]);
  if (input.restingHeartRate7 !== null && input.restingHeartRate30 !== null && input.restingHeartRate30 > 0) {
    // Each beat per minute above the month's average costs 8 points.
    const elevated = input.restingHeartRate7 - input.restingHeartRate30;
    parts.push([0.25, Math.max(0, Math.min(100, 80 - 8 * elevated))]);
  }
  if (parts.length === 0) return null;
  const weights = parts.reduce((sum, [weight]) => sum + weight, 0);
  return Math.round(parts.reduce((sum, [weight, score]) => sum + weight * score, 0) / weights);
}
