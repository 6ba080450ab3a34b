/**
 * Factors from the units Apple Health writes (`unit="lb"`, `unit="kJ"`) to the platform's canonical unit
 * of each kind. A unit not listed for a kind is not guessed at: the record is rejected.
 */
type UnitFactors = Readonly<Record<string, number>>;

export const BEATS_PER_MINUTE: UnitFactors = { 'count/min': 1, 'count/s': 60, 'count/h': 1 / 60 };
export const COUNT: UnitFactors = { count: 1 };
export const MILLISECONDS: UnitFactors = { ms: 1, s: 1_000 };
export const KILOGRAMS: UnitFactors = { kg: 1, g: 0.001, lb: 0.45359237, st: 6.35029318, oz: 0.028349523125 };
export const KILOCALORIES: UnitFactors = { kcal: 1, Cal: 1, cal: 0.001, kJ: 1 / 4.184, J: 1 / 4184 };
export const METRES: UnitFactors = {
  m: 1,
  km: 1_000,
  cm: 0.01,
  mi: 1609.344,
  ft: 0.3048,
  in: 0.0254,
  yd: 0.9144,
};
export const MINUTES: UnitFactors = { min: 1, s: 1 / 60, hr: 60, h: 60 };
/** Apple Health keeps percentages as fractions (`unit="%" value="0.214"` is 21.4 %). */
export const PERCENT_FROM_FRACTION: UnitFactors = { '%': 100 };
export const VO2_MAX: UnitFactors = { 'mL/min·kg': 1, 'ml/(kg*min)': 1, 'mL/(kg·min)': 1 };
export const BREATHS_PER_MINUTE: UnitFactors = { 'count/min': 1 };
export const MG_PER_DL: UnitFactors = { 'mg/dL': 1 };

/** The value in the canonical unit, or null when `unit` is not one this kind knows. */
export function convertUnit(value: number, unit: string, factors: UnitFactors): number | null {
  const factor = factors[unit];
  return factor === undefined ? null : value * factor;
}
