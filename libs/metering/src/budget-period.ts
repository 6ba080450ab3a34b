import type { BudgetPeriod } from '@conduit/contracts';

/** A budget period: calendar UTC, so every replica and the ledger agree on where it starts and ends. */
export interface PeriodWindow {
  period: BudgetPeriod;
  /** Inclusive. */
  start: Date;
  /** Exclusive: when the budget resets. */
  end: Date;
  /** Names the period in Redis keys: `d2026-11-21`, `m2026-11`. */
  tag: string;
}

export function periodWindow(period: BudgetPeriod, at: Date): PeriodWindow {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (period === 'day') {
    const day = at.getUTCDate();
    const start = new Date(Date.UTC(year, month, day));
    return {
      period,
      start,
      end: new Date(Date.UTC(year, month, day + 1)),
      tag: `d${start.toISOString().slice(0, 10)}`,
    };
  }
  const start = new Date(Date.UTC(year, month, 1));
  return {
    period,
    start,
    end: new Date(Date.UTC(year, month + 1, 1)),
    tag: `m${start.toISOString().slice(0, 7)}`,
  };
}
