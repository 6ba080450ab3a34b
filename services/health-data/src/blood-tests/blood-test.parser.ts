import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { HealthSample } from '@conduit/contracts';
import { ImportFailure } from '../ingestion/import-sink';
import { analyteMetric, findAnalyte, toCanonical, type ReferenceRange } from './analyte-table';

/** A result as sent: in JSON ({ results: [...] } or an array) or as a CSV row with a header. */
const RawResultSchema = z.object({
  analyte: z.string().trim().min(1).max(200),
  value: z.union([z.number(), z.string().trim().min(1)]),
  unit: z.string().trim().min(1).max(32),
  date: z.string().trim().min(1).max(40),
  lab: z.string().trim().max(200).optional(),
  /** `"3.5-5.1"`, `"<200"`, `">40"`, or { low, high }, in the result's own unit. */
  referenceRange: z
    .union([z.string().trim().max(40), z.object({ low: z.number().optional(), high: z.number().optional() })])
    .optional(),
  referenceLow: z.union([z.number(), z.string().trim()]).optional(),
  referenceHigh: z.union([z.number(), z.string().trim()]).optional(),
});
type RawResult = z.infer<typeof RawResultSchema>;

export interface BloodTestRow {
  item: string;
  raw: unknown;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const SOURCE = 'lab';

/** The rows of a JSON upload; throws ImportFailure when it is not JSON of the expected shape. */
export function jsonRows(text: string): BloodTestRow[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ImportFailure('not valid JSON');
  }
  const results = Array.isArray(body) ? body : (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results))
    throw new ImportFailure('expected { "results": [...] } or an array of results');
  return results.map((raw, index) => ({ item: `results[${index}]`, raw }));
}

/**
 * The rows of a CSV upload with a header naming the columns: analyte, value, unit, date, and optionally
 * lab, reference_range, reference_low, reference_high (any case, spaces or underscores).
 */
export function csvRows(text: string): BloodTestRow[] {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, {
      columns: (header: string[]) => header.map(columnName),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    });
  } catch (error) {
    throw new ImportFailure(`not readable CSV: ${(error as Error).message}`);
  }
  return records.map((record, index) => ({
    // Row 1 is the header.
    item: `row ${index + 2}`,
    raw: Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')),
  }));
}

const COLUMNS: Record<string, keyof RawResult> = {
  analyte: 'analyte',
  test: 'analyte',
  name: 'analyte',
  value: 'value',
  result: 'value',
  unit: 'unit',
  units: 'unit',
  date: 'date',
  lab: 'lab',
  laboratory: 'lab',
  reference_range: 'referenceRange',
  reference_low: 'referenceLow',
  reference_high: 'referenceHigh',
};

function columnName(header: string): string {
  const key = header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return COLUMNS[key] ?? key;
}

/**
 * A result as a sample in its analyte's canonical unit, with its reference range (its own, else the
 * table's) and flag (`low`, `high`, `normal`) in the details; or why it cannot be one.
 */
export function normaliseResult(raw: unknown): { sample: HealthSample } | { reason: string } {
  const parsed = RawResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { reason: `${issue.path.join('.') || 'result'}: ${issue.message}` };
  }
  const result = parsed.data;
  const analyte = findAnalyte(result.analyte);
  if (!analyte) return { reason: `unknown analyte "${result.analyte}"` };
  const value = typeof result.value === 'number' ? result.value : Number(result.value.replace(',', '.'));
  if (!Number.isFinite(value)) return { reason: `value "${result.value}" is not a number` };
  const canonical = toCanonical(analyte, value, result.unit);
  if (canonical === null) {
    return {
      reason: `unknown unit "${result.unit}" for ${analyte.id} (known: ${Object.keys(analyte.units).join(', ')})`,
    };
  }
  const at = DATE_ONLY.test(result.date) ? `${result.date}T00:00:00.000Z` : result.date;
  const time = Date.parse(at);
  if (!Number.isFinite(time) || !/^\d{4}-\d{2}-\d{2}/.test(result.date)) {
    return { reason: `date "${result.date}" is not an ISO date (YYYY-MM-DD, or with a time)` };
  }
  const ownRange = referenceRangeOf(result);
  if (ownRange === 'invalid')
    return { reason: 'the reference range cannot be read (e.g. "3.5-5.1", "<200")' };
  const convert = (v: number | undefined) =>
    v === undefined ? undefined : toCanonical(analyte, v, result.unit)!;
  const range: ReferenceRange = ownRange
    ? { low: convert(ownRange.low), high: convert(ownRange.high) }
    : analyte.reference;
  const flag =
    range.low !== undefined && canonical < range.low
      ? 'low'
      : range.high !== undefined && canonical > range.high
        ? 'high'
        : 'normal';
  const iso = new Date(time).toISOString();
  return {
    sample: {
      metric: analyteMetric(analyte),
      startAt: iso,
      endAt: iso,
      value: round(canonical),
      unit: analyte.unit,
      source: SOURCE,
      recordKey: `lab:${(result.lab ?? 'unnamed').toLowerCase().slice(0, 150)}`,
      details: {
        original: { analyte: result.analyte, value, unit: result.unit },
        referenceRange: { low: round(range.low), high: round(range.high) },
        referenceFrom: ownRange ? 'report' : 'table',
        flag,
        lab: result.lab ?? null,
      },
    },
  };
}

function referenceRangeOf(result: RawResult): ReferenceRange | null | 'invalid' {
  const number = (v: number | string | undefined) =>
    v === undefined || v === '' ? undefined : typeof v === 'number' ? v : Number(v.replace(',', '.'));
  if (result.referenceLow !== undefined || result.referenceHigh !== undefined) {
    const low = number(result.referenceLow);
    const high = number(result.referenceHigh);
    if ((low !== undefined && !Number.isFinite(low)) || (high !== undefined && !Number.isFinite(high)))
      return 'invalid';
    return { low, high };
  }
  const range = result.referenceRange;
  if (range === undefined || range === '') return null;
  if (typeof range === 'object') return range;
  const between = /^(-?[\d.,]+)\s*[-–]\s*(-?[\d.,]+)$/.exec(range);
  if (between) return { low: number(between[1]), high: number(between[2]) };
  const bound = /^([<>]=?)\s*([\d.,]+)$/.exec(range);
  if (bound) return bound[1]!.startsWith('<') ? { high: number(bound[2]) } : { low: number(bound[2]) };
  return 'invalid';
}

function round(value: number): number;
function round(value: number | undefined): number | null;
function round(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 1e4) / 1e4;
}
