import { Resvg } from '@resvg/resvg-js';
import {
  CHART_COLOURS,
  CHART_HEIGHT,
  CHART_WIDTH,
  PLOT,
  renderMetricChart,
  type MetricChartInput,
} from './metric-chart.renderer';
import { rollingAverage, type DailyPoint } from './rolling-average';

const DAY = 86_400_000;
const FROM = Date.UTC(2026, 8, 1);

interface Raster {
  width: number;
  height: number;
  pixels: Buffer;
}

function rasterise(svg: string): Raster {
  const image = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: true } }).render();
  return { width: image.width, height: image.height, pixels: image.pixels };
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Pixels in the rectangle whose colour is within `tolerance` of `hex` on every channel. */
function countColour(
  raster: Raster,
  hex: string,
  box: { x0: number; y0: number; x1: number; y1: number },
  tolerance = 6,
): number {
  const [r, g, b] = rgb(hex);
  let count = 0;
  for (let py = Math.max(0, box.y0); py < Math.min(raster.height, box.y1); py += 1)
    for (let px = Math.max(0, box.x0); px < Math.min(raster.width, box.x1); px += 1) {
      const at = (py * raster.width + px) * 4;
      if (
        Math.abs(raster.pixels[at]! - r) <= tolerance &&
        Math.abs(raster.pixels[at + 1]! - g) <= tolerance &&
        Math.abs(raster.pixels[at + 2]! - b) <= tolerance
      )
        count += 1;
    }
  return count;
}

/** Pixels in the rectangle where `test` holds for their red, green and blue. */
function countWhere(
  raster: Raster,
  box: { x0: number; y0: number; x1: number; y1: number },
  test: (r: number, g: number, b: number) => boolean,
): number {
  let count = 0;
  for (let py = Math.max(0, box.y0); py < Math.min(raster.height, box.y1); py += 1)
    for (let px = Math.max(0, box.x0); px < Math.min(raster.width, box.x1); px += 1) {
      const at = (py * raster.width + px) * 4;
      if (test(raster.pixels[at]!, raster.pixels[at + 1]!, raster.pixels[at + 2]!)) count += 1;
    }
  return count;
}

/** The daily line's blue, drawn at partial opacity over white or the band. */
const isBlue = (r: number, g: number, b: number) => b > 200 && b - r > 60 && b - g > 40;

function series(days: number, value: (day: number) => number): DailyPoint[] {
  return Array.from({ length: days }, (_, day) => ({ dayMs: FROM + day * DAY, value: value(day) }));
}

function chart(overrides: Partial<MetricChartInput> = {}): MetricChartInput {
  const values = series(90, (day) => 55 + 5 * Math.sin(day / 6));
  return {
    title: 'Resting heart rate',
    unit: 'bpm',
    fromMs: FROM,
    toMs: FROM + 89 * DAY,
    values,
    average7: rollingAverage(values, 7),
    average30: rollingAverage(values, 30),
    ...overrides,
  };
}

describe('renderMetricChart', () => {
  it('draws the reference band where its bounds fall on the value axis, and nowhere else', () => {
    // LDL cholesterol, range 0–3 mmol/L, values 2–5: the band covers the lower part of the plot.
    const values = series(60, (day) => 2 + (3 * day) / 59);
    const svg = renderMetricChart(
      chart({
        title: 'LDL cholesterol',
        unit: 'mmol/L',
        toMs: FROM + 59 * DAY,
        values,
        average7: [],
        average30: [],
        band: { low: 0, high: 3, label: 'Reference range' },
      }),
    );
    const raster = rasterise(svg);
    expect([raster.width, raster.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    // The value axis runs 0..5 (ticks of 1): 3 sits at 40 % of the height from the top.
    const threeAt = PLOT.top + ((5 - 3) / 5) * (PLOT.bottom - PLOT.top);
    const inside = { x0: PLOT.left + 5, x1: PLOT.right - 5, y0: Math.ceil(threeAt) + 4, y1: PLOT.bottom - 4 };
    const above = { x0: PLOT.left + 5, x1: PLOT.right - 5, y0: PLOT.top + 4, y1: Math.floor(threeAt) - 4 };
    const insideArea = (inside.x1 - inside.x0) * (inside.y1 - inside.y0);
    expect(countColour(raster, CHART_COLOURS.band, inside)).toBeGreaterThan(insideArea * 0.8);
    expect(countColour(raster, CHART_COLOURS.band, above)).toBe(0);
  });

  it('shows a band open on one side (a marker with only an upper limit) below its limit', () => {
    const values = [
      { dayMs: FROM + 10 * DAY, value: 110 },
      { dayMs: FROM + 50 * DAY, value: 160 },
    ];
    const svg = renderMetricChart(
      chart({
        title: 'LDL cholesterol',
        unit: 'mg/dL',
        toMs: FROM + 59 * DAY,
        values,
        average7: [],
        average30: [],
        band: { low: null, high: 100, label: 'Reference range' },
      }),
    );
    const raster = rasterise(svg);
    const bottomStrip = { x0: PLOT.left + 5, x1: PLOT.right - 5, y0: PLOT.bottom - 12, y1: PLOT.bottom - 2 };
    const topStrip = { x0: PLOT.left + 5, x1: PLOT.right - 5, y0: PLOT.top + 2, y1: PLOT.top + 12 };
    expect(countColour(raster, CHART_COLOURS.band, bottomStrip)).toBeGreaterThan(1_000);
    expect(countColour(raster, CHART_COLOURS.band, topStrip)).toBe(0);
  });

  it('draws the daily line rising from the lower left to the upper right for rising values', () => {
    const values = series(60, (day) => 100 + day);
    const raster = rasterise(
      renderMetricChart(chart({ toMs: FROM + 59 * DAY, values, average7: [], average30: [] })),
    );
    const midX = (PLOT.left + PLOT.right) / 2;
    const midY = (PLOT.top + PLOT.bottom) / 2;
    const lowerLeft = countWhere(
      raster,
      { x0: PLOT.left + 2, x1: midX, y0: midY, y1: PLOT.bottom - 1 },
      isBlue,
    );
    const upperLeft = countWhere(
      raster,
      { x0: PLOT.left + 2, x1: midX - 20, y0: PLOT.top, y1: midY },
      isBlue,
    );
    const upperRight = countWhere(raster, { x0: midX, x1: PLOT.right, y0: PLOT.top, y1: midY }, isBlue);
    const lowerRight = countWhere(
      raster,
      { x0: midX + 20, x1: PLOT.right, y0: midY, y1: PLOT.bottom - 1 },
      isBlue,
    );
    expect(lowerLeft).toBeGreaterThan(50);
    expect(upperRight).toBeGreaterThan(50);
    expect(upperLeft).toBe(0);
    expect(lowerRight).toBe(0);
  });

  it('draws both averages in their colours and says what the chart shows in title and desc', () => {
    const svg = renderMetricChart(chart());
    const raster = rasterise(svg);
    const plot = { x0: PLOT.left + 2, x1: PLOT.right, y0: PLOT.top, y1: PLOT.bottom };
    expect(countColour(raster, CHART_COLOURS.average7, plot, 20)).toBeGreaterThan(100);
    expect(countColour(raster, CHART_COLOURS.average30, plot, 20)).toBeGreaterThan(100);
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(
      /<title id="chart-title">Resting heart rate \(bpm\), 1 Sep 2026 to 29 Nov 2026<\/title>/,
    );
    expect(svg).toMatch(
      /<desc id="chart-desc">Resting heart rate from 1 Sep 2026 to 29 Nov 2026: 90 days with data/,
    );
    expect(svg).toContain('>7-day average<');
    // Dated ticks every two weeks on Mondays over 90 days.
    expect(svg).toContain('>7 Sep<');
  });

  it('says so when the range holds no data, and escapes text it is given', () => {
    const svg = renderMetricChart(chart({ title: 'A <b> & "c"', values: [], average7: [], average30: [] }));
    expect(svg).toContain('No data in this range');
    expect(svg).not.toContain('<b>');
    const raster = rasterise(svg);
    const plot = { x0: PLOT.left + 2, x1: PLOT.right, y0: PLOT.top, y1: PLOT.bottom - 1 };
    expect(countWhere(raster, plot, isBlue)).toBe(0);
  });

  it('leaves out values outside the range', () => {
    const values = [...series(10, () => 50), { dayMs: FROM + 400 * DAY, value: 1_000 }];
    const svg = renderMetricChart(chart({ toMs: FROM + 9 * DAY, values, average7: [], average30: [] }));
    expect(svg).not.toContain('1,000');
    expect(svg).toContain('10 days with data');
  });
});

describe('rollingAverage', () => {
  it('averages the trailing calendar days, skipping missing days rather than counting them as zero', () => {
    const points = [
      { dayMs: FROM, value: 10 },
      { dayMs: FROM + DAY, value: 20 },
      { dayMs: FROM + 5 * DAY, value: 30 },
      { dayMs: FROM + 9 * DAY, value: 40 },
    ];
    expect(rollingAverage(points, 7).map((p) => p.value)).toEqual([10, 15, 20, 35]);
  });
});
