export interface DailyPoint {
  /** UTC midnight of the day, ms. */
  dayMs: number;
  value: number;
}

const DAY_MS = 86_400_000;

/**
 * The trailing average over `days` calendar days ending on each point's day (days without a value do not
 * count as zeros; a point whose window holds no value has none). Points must be sorted by day.
 */
export function rollingAverage(points: readonly DailyPoint[], days: number): DailyPoint[] {
  const averaged: DailyPoint[] = [];
  let sum = 0;
  let first = 0;
  for (let i = 0; i < points.length; i += 1) {
    const point = points[i]!;
    sum += point.value;
    while (points[first]!.dayMs <= point.dayMs - days * DAY_MS) {
      sum -= points[first]!.value;
      first += 1;
    }
    averaged.push({ dayMs: point.dayMs, value: sum / (i - first + 1) });
  }
  return averaged;
}
