/** Codes of metering: a caller over one of its budgets. */
export const UsageErrorCode = {
  BudgetExceeded: 'BUDGET_EXCEEDED',
} as const;
export type UsageErrorCode = (typeof UsageErrorCode)[keyof typeof UsageErrorCode];
