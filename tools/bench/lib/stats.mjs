/** Nearest-rank percentile of an unsorted list (q in 0..100); NaN when empty. */
export function percentile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values) => percentile(values, 50);

export function fmtMs(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function fmtSigned(value, digits = 1) {
  if (!Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

export function fmtMb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Left-aligned first column, right-aligned others; rows are arrays of strings. */
export function table(header, rows) {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => String(row[i]).length)));
  const line = (row) =>
    row
      .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
