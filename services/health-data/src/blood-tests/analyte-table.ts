import { z } from 'zod';
import { ANALYTE_TABLE } from './analyte-table.data';

const RangeSchema = z.strictObject({ low: z.number().optional(), high: z.number().optional() });

const AnalyteSchema = z.strictObject({
  aliases: z.array(z.string().min(1)).min(1),
  /** The canonical unit every value is stored in. */
  unit: z.string().min(1),
  /** canonical = value * factor + offset, per unit the analyte may come in (the canonical one included). */
  units: z.record(
    z.string(),
    z.strictObject({ factor: z.number().positive(), offset: z.number().optional() }),
  ),
  /** The usual adult range in the canonical unit, used when a result does not bring its own. */
  reference: RangeSchema,
  /** Values outside this (canonical unit) are no measurement: refused as impossible. */
  possible: z.strictObject({ min: z.number(), max: z.number() }),
});
export type Analyte = z.infer<typeof AnalyteSchema> & { id: string };
export type ReferenceRange = z.infer<typeof RangeSchema>;

/** The analyte table (analyte-table.data.ts), checked once when the service loads. */
export const ANALYTES: readonly Analyte[] = Object.entries(
  z.record(z.string(), AnalyteSchema).parse(ANALYTE_TABLE),
).map(([id, analyte]) => ({ id, ...analyte }));

/** Names as written on lab reports, compared without case, spaces or punctuation differences. */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .trim();
}

/** Unit spellings: `mmol/l`, `umol/L`, `μmol/L` (Greek mu) and `µmol/L` (micro sign) are one unit. */
export function unitKey(unit: string): string {
  return unit
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/^[uμ]/, 'µ')
    .replace(/\/[uμ]/, '/µ');
}

const byName = new Map<string, Analyte>();
for (const analyte of ANALYTES) {
  byName.set(nameKey(analyte.id), analyte);
  for (const alias of analyte.aliases) byName.set(nameKey(alias), analyte);
}

export function findAnalyte(name: string): Analyte | null {
  return byName.get(nameKey(name)) ?? null;
}

/** The value in the analyte's canonical unit; null for a unit the table does not know for it. */
export function toCanonical(analyte: Analyte, value: number, unit: string): number | null {
  const wanted = unitKey(unit);
  for (const [name, conversion] of Object.entries(analyte.units)) {
    if (unitKey(name) === wanted) return value * conversion.factor + (conversion.offset ?? 0);
  }
  return null;
}

/** The storage metric of an analyte: `blood.glucose`. */
export const analyteMetric = (analyte: Analyte): string => `blood.${analyte.id}`;
