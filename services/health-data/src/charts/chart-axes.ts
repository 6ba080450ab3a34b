/** Axis ticks a reader can take in at a glance: round values, and dates on day, week, month or year boundaries. */

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ValueTicks {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/** About `count` ticks at 1, 2, 2.5 or 5 times a power of ten, spanning [low, high]. */
export function valueTicks(low: number, high: number, count = 5): ValueTicks {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return valueTicks(0, 1, count);
  if (high < low) [low, high] = [high, low];
  if (high === low) {
    const pad = Math.abs(low) > 0 ? Math.abs(low) * 0.1 : 1;
    low -= pad;
    high += pad;
  }
  const rough = (high - low) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const min = Math.floor(low / step) * step;
  const max = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  for (let i = 0; i <= Math.round((max - min) / step) && i <= 50; i += 1)
    ticks.push(roundTo(min + i * step, step));
  return { min, max, step, ticks };
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
}

/** A tick value as text: no more decimals than the step needs. */
export function formatValue(value: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return value.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export interface DateTick {
  ms: number;
  label: string;
}

/** Date ticks (UTC) for [fromMs, toMs]: days, Mondays, months, quarters or years, whichever gives at most ~8. */
export function dateTicks(fromMs: number, toMs: number): DateTick[] {
  const days = (toMs - fromMs) / DAY_MS;
  if (days <= 10) return stepDays(fromMs, toMs, 1, dayLabel);
  if (days <= 60) return stepDays(mondayOnOrAfter(fromMs), toMs, 7, dayLabel);
  if (days <= 120) return stepDays(mondayOnOrAfter(fromMs), toMs, 14, dayLabel);
  if (days <= 250) return stepMonths(fromMs, toMs, 1);
  if (days <= 750) return stepMonths(fromMs, toMs, 3);
  return stepMonths(fromMs, toMs, 12);
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function mondayOnOrAfter(ms: number): number {
  const day = startOfDay(ms);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
  return weekday === 0 ? day : day + (7 - weekday) * DAY_MS;
}

function dayLabel(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
}

function stepDays(
  firstMs: number,
  toMs: number,
  everyDays: number,
  label: (ms: number) => string,
): DateTick[] {
  const ticks: DateTick[] = [];
  for (
    let ms = Math.ceil(firstMs / DAY_MS) * DAY_MS;
    ms <= toMs && ticks.length < 32;
    ms += everyDays * DAY_MS
  )
    ticks.push({ ms, label: label(ms) });
  return ticks;
}

function stepMonths(fromMs: number, toMs: number, everyMonths: number): DateTick[] {
  const from = new Date(fromMs);
  let year = from.getUTCFullYear();
  let month = from.getUTCMonth();
  // The first boundary on or after `fromMs` that is a multiple of the step (Jan, Apr, Jul, Oct for quarters).
  if (Date.UTC(year, month, 1) < fromMs) month += 1;
  month = Math.ceil(month / everyMonths) * everyMonths;
  const ticks: DateTick[] = [];
  for (let i = 0; i < 40; i += 1) {
    const ms = Date.UTC(year, month, 1);
    if (ms > toMs) break;
    const date = new Date(ms);
    const label =
      everyMonths === 12 || date.getUTCMonth() === 0
        ? `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`
        : MONTHS[date.getUTCMonth()]!;
    ticks.push({ ms, label });
    month += everyMonths;
    if (month >= 12) {
      year += Math.floor(month / 12);
      month %= 12;
    }
  }
  return ticks;
}

/** `5 Dec 2026`, for titles and descriptions. */
export function longDate(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
