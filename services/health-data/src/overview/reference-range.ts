import { findAnalyte } from '../blood-tests/analyte-table';

export interface ReferenceOutcome {
  low: number | null;
  high: number | null;
  flag: 'low' | 'normal' | 'high' | null;
}

const finite = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * A blood result's reference range and flag: the lab's, where the result came with them
 * (`details.referenceRange` and `details.flag`, as the blood test import keeps them), otherwise the
 * analyte table's usual adult range, the flag then read off it.
 */
export function referenceOf(result: {
  metric: string;
  value: number;
  details: Record<string, unknown> | null;
}): ReferenceOutcome {
  const details = result.details ?? {};
  const given = details.referenceRange;
  const reference = (typeof given === 'object' && given !== null ? given : {}) as {
    low?: unknown;
    high?: unknown;
  };
  const analyte = findAnalyte(result.metric.replace(/^blood\./, ''));
  const low = finite(reference.low) ?? analyte?.reference.low ?? null;
  const high = finite(reference.high) ?? analyte?.reference.high ?? null;
  const labFlag = typeof details.flag === 'string' ? details.flag.toLowerCase() : null;
  if (labFlag === 'low' || labFlag === 'high' || labFlag === 'normal') return { low, high, flag: labFlag };
  if (low === null && high === null) return { low, high, flag: null };
  const flag =
    low !== null && result.value < low ? 'low' : high !== null && result.value > high ? 'high' : 'normal';
  return { low, high, flag };
}
