import { s } from './dom';

export interface BarDatum {
  label: string;
  value: number;
}

export interface BarChartOptions {
  /** Read out for the chart as a whole (it is one image to assistive technology). */
  title: string;
  data: BarDatum[];
  /** How a value is written on its bar and in the description. */
  format?: (value: number) => string;
  /** Horizontal bars suit long labels (models); vertical bars suit series (days). */
  orientation?: 'horizontal' | 'vertical';
}

/**
 * A small SVG bar chart drawn by our code (no inline styles: colours come from the stylesheet's
 * `.chart` rules, so the CSP needs no 'unsafe-inline'). Sized by its viewBox, so it scales to the panel.
 */
export function barChart(options: BarChartOptions): SVGSVGElement {
  const format = options.format ?? ((value: number) => String(value));
  const max = Math.max(0, ...options.data.map((datum) => datum.value)) || 1;
  const description = options.data.map((datum) => `${datum.label}: ${format(datum.value)}`).join(', ');
  const label = `${options.title}. ${description || 'No data yet.'}`;
  if (options.data.length === 0) {
    return s(
      'svg',
      { class: 'chart', viewBox: '0 0 200 24', width: 200, height: 24, role: 'img', 'aria-label': label },
      s('text', { x: 0, y: 16 }, 'No data yet'),
    );
  }
  return options.orientation === 'horizontal'
    ? horizontal(options.data, max, format, label)
    : vertical(options.data, max, format, label);
}

function vertical(
  data: BarDatum[],
  max: number,
  format: (value: number) => string,
  label: string,
): SVGSVGElement {
  const barWidth = 28;
  const gap = 8;
  const height = 140;
  const plot = 100;
  const width = Math.max(1, data.length) * (barWidth + gap) + gap;
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label },
    s('title', {}, label),
    ...data.flatMap((datum, index) => {
      const x = gap + index * (barWidth + gap);
      const barHeight = Math.max(1, (datum.value / max) * plot);
      const top = 16 + plot - barHeight;
      return [
        s('rect', { class: 'bar', x, y: top, width: barWidth, height: barHeight, rx: 2 }),
        s('text', { x: x + barWidth / 2, y: top - 3, 'text-anchor': 'middle' }, format(datum.value)),
        s('text', { x: x + barWidth / 2, y: height - 8, 'text-anchor': 'middle' }, datum.label),
      ];
    }),
  );
}

function horizontal(
  data: BarDatum[],
  max: number,
  format: (value: number) => string,
  label: string,
): SVGSVGElement {
  const row = 24;
  const labelWidth = 150;
  const plot = 200;
  const width = labelWidth + plot + 80;
  const height = Math.max(1, data.length) * row + 8;
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label },
    s('title', {}, label),
    ...data.flatMap((datum, index) => {
      const y = 4 + index * row;
      const barWidth = Math.max(1, (datum.value / max) * plot);
      return [
        s('text', { x: labelWidth - 6, y: y + 15, 'text-anchor': 'end' }, truncate(datum.label, 24)),
        s('rect', { class: 'bar', x: labelWidth, y: y + 3, width: barWidth, height: row - 8, rx: 2 }),
        s('text', { x: labelWidth + barWidth + 4, y: y + 15 }, format(datum.value)),
      ];
    }),
  );
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
