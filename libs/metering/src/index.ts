export * from './budget-exceeded.error';
export * from './budget-period';
export * from './metering';
export * from './metering-config';
export * from './metering.module';
export * from './money';
export { BudgetCache, type BudgetCacheLimits } from './budget-cache';
export { BudgetCounters, counterKey, heldKey, COUNTER_TTL_MS } from './budget-counters';
