import { dateTicks, formatValue, longDate, valueTicks } from './chart-axes';
import type { DailyPoint } from './rolling-average';

export interface ReferenceBand {
  /** Either bound may be open (a marker with only an upper limit). */
  low: number | null;
  high: number | null;
  label: string;
}

export interface MetricChartInput {
  /** Short name for the title: "Resting heart rate". */
  title: string;
  unit: string;
  fromMs: number;
  toMs: number;
  /** One value per day (or per measurement for sparse markers), sorted; only those inside the range are drawn. */
  values: readonly DailyPoint[];
  /** Trailing averages; empty to leave a line out (sparse markers have none). */
  average7: readonly DailyPoint[];
  average30: readonly DailyPoint[];
  band?: ReferenceBand;
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;
/** The plotting area inside the axes. */
export const PLOT = { left: 72, right: CHART_WIDTH - 24, top: 56, bottom: CHART_HEIGHT - 48 } as const;
export const CHART_COLOURS = {
  values: '#2563eb',
  average7: '#ea580c',
  average30: '#7c3aed',
  band: '#bbf7d0',
  axis: '#334155',
  grid: '#e2e8f0',
  text: '#0f172a',
} as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fixed = (n: number): string => (Math.round(n * 10) / 10).toString();

/**
 * A metric over a date range as a self-contained SVG: the daily values (points joined by a thin line), the
 * 7- and 30-day trailing averages, the reference band of a blood marker, round value ticks, dated ticks and
 * a legend. `role="img"` with `<title>` and `<desc>` (which states the range, the latest value and the
 * averages) so that a screen reader says what it shows.
 */
export function renderMetricChart(input: MetricChartInput): string {
  const inRange = (p: DailyPoint) => p.dayMs >= input.fromMs && p.dayMs <= input.toMs;
  const values = input.values.filter(inRange);
  const average7 = input.average7.filter(inRange);
  const average30 = input.average30.filter(inRange);
  const drawn = [...values, ...average7, ...average30].map((p) => p.value);
  const bounds = [...drawn, input.band?.low, input.band?.high, ...openBandEdge(drawn, input.band)].filter(
    (v): v is number => typeof v === 'number' && Number.isFinite(v),
  );
  const scale = valueTicks(Math.min(...bounds, Infinity), Math.max(...bounds, -Infinity));
  const x = (ms: number) =>
    PLOT.left + ((ms - input.fromMs) / Math.max(1, input.toMs - input.fromMs)) * (PLOT.right - PLOT.left);
  const y = (v: number) =>
    PLOT.bottom - ((v - scale.min) / (scale.max - scale.min)) * (PLOT.bottom - PLOT.top);
  const clampY = (v: number) => Math.min(PLOT.bottom, Math.max(PLOT.top, y(v)));

  const title = `${input.title} (${input.unit}), ${longDate(input.fromMs)} to ${longDate(input.toMs)}`;
  const description = describe(input, values, average7, average30);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml(description)}</desc>`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="22" font-size="15" font-weight="bold" fill="${CHART_COLOURS.text}">${escapeXml(input.title)} (${escapeXml(input.unit)})</text>`,
  ];

  if (input.band && (input.band.low !== null || input.band.high !== null)) {
    const top = clampY(input.band.high ?? scale.max);
    const bottom = clampY(input.band.low ?? scale.min);
    parts.push(
      `<rect data-role="reference-band" x="${PLOT.left}" y="${fixed(top)}" width="${PLOT.right - PLOT.left}" height="${fixed(Math.max(0, bottom - top))}" fill="${CHART_COLOURS.band}"><title>${escapeXml(input.band.label)}</title></rect>`,
    );
  }

  for (const tick of scale.ticks) {
    const ty = fixed(y(tick));
    parts.push(
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${ty}" y2="${ty}" stroke="${CHART_COLOURS.grid}" stroke-width="1"/>`,
      `<text x="${PLOT.left - 8}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="${CHART_COLOURS.text}">${formatValue(tick, scale.step)}</text>`,
    );
  }
  for (const tick of dateTicks(input.fromMs, input.toMs)) {
    const tx = fixed(x(tick.ms));
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="${CHART_COLOURS.axis}"/>`,
      `<text x="${tx}" y="${PLOT.bottom + 20}" text-anchor="middle" fill="${CHART_COLOURS.text}">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="${CHART_COLOURS.axis}"/>`,
    `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="${CHART_COLOURS.axis}"/>`,
  );

  if (values.length === 0) {
    parts.push(
      `<text x="${(PLOT.left + PLOT.right) / 2}" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" font-size="14" fill="${CHART_COLOURS.axis}">No data in this range</text>`,
    );
  } else {
    parts.push(polyline('values', values, x, y, CHART_COLOURS.values, 1.5, 0.6));
    if (values.length <= 120)
      for (const p of values)
        parts.push(
          `<circle cx="${fixed(x(p.dayMs))}" cy="${fixed(y(p.value))}" r="2.5" fill="${CHART_COLOURS.values}"/>`,
        );
    if (average30.length > 1)
      parts.push(polyline('average-30', average30, x, y, CHART_COLOURS.average30, 2.5, 1));
    if (average7.length > 1)
      parts.push(polyline('average-7', average7, x, y, CHART_COLOURS.average7, 2.5, 1));
  }
  parts.push(legend(input), '</svg>');
  return parts.join('\n');
}

/**
 * Where a band open on one side (a marker with only an upper limit) should reach on the axis so that it
 * shows: a fifth of the data's span (or a tenth of the bound) past its one bound.
 */
function openBandEdge(values: readonly number[], band: ReferenceBand | undefined): number[] {
  if (!band || (band.low === null) === (band.high === null)) return [];
  const bound = (band.low ?? band.high)!;
  const span = values.length > 0 ? Math.max(...values) - Math.min(...values) : 0;
  const reach = Math.max(span * 0.2, Math.abs(bound) * 0.1, 1);
  return [band.low === null ? bound - reach : bound + reach];
}

function polyline(
  role: string,
  points: readonly DailyPoint[],
  x: (ms: number) => number,
  y: (v: number) => number,
  colour: string,
  width: number,
  opacity: number,
): string {
  const coordinates = points.map((p) => `${fixed(x(p.dayMs))},${fixed(y(p.value))}`).join(' ');
  return `<polyline data-role="${role}" points="${coordinates}" fill="none" stroke="${colour}" stroke-width="${width}" stroke-opacity="${opacity}" stroke-linejoin="round"/>`;
}

function legend(input: MetricChartInput): string {
  const entries: Array<[string, string]> = [['Daily value', CHART_COLOURS.values]];
  if (input.average7.length > 0) entries.push(['7-day average', CHART_COLOURS.average7]);
  if (input.average30.length > 0) entries.push(['30-day average', CHART_COLOURS.average30]);
  if (input.band) entries.push([input.band.label, CHART_COLOURS.band]);
  let at = PLOT.left;
  const items = entries.map(([label, colour]) => {
    const item = `<rect x="${at}" y="34" width="14" height="8" fill="${colour}"/><text x="${at + 18}" y="42" fill="${CHART_COLOURS.text}">${escapeXml(label)}</text>`;
    at += 30 + label.length * 7;
    return item;
  });
  return `<g data-role="legend">${items.join('')}</g>`;
}

function describe(
  input: MetricChartInput,
  values: readonly DailyPoint[],
  average7: readonly DailyPoint[],
  average30: readonly DailyPoint[],
): string {
  const range = `from ${longDate(input.fromMs)} to ${longDate(input.toMs)}`;
  if (values.length === 0) return `${input.title}: no data ${range}.`;
  const round = (v: number) => Math.round(v * 10) / 10;
  const latest = values[values.length - 1]!;
  const sentences = [
    `${input.title} ${range}: ${values.length} days with data, lowest ${round(Math.min(...values.map((p) => p.value)))} and highest ${round(Math.max(...values.map((p) => p.value)))} ${input.unit}.`,
    `Latest ${round(latest.value)} ${input.unit} on ${longDate(latest.dayMs)}.`,
  ];
  const last7 = average7[average7.length - 1];
  const last30 = average30[average30.length - 1];
  if (last7) sentences.push(`7-day average ${round(last7.value)} ${input.unit}.`);
  if (last30) sentences.push(`30-day average ${round(last30.value)} ${input.unit}.`);
  if (input.band)
    sentences.push(
      `Reference range ${input.band.low ?? 'none'} to ${input.band.high ?? 'none'} ${input.unit} shown as a band.`,
    );
  return sentences.join(' ');
}
