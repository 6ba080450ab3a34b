import { z } from 'zod';
import { BudgetPeriodSchema, MAX_BUDGET_TOKENS, MAX_BUDGET_USD } from '@conduit/contracts';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

export const UsageConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape).extend({
  PORT: configFields.port(3102),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9466),
  DATABASE_SCHEMA: configFields.schemaName().default('usage'),
  /** A budget every user has, in USD per USAGE_USER_BUDGET_PERIOD; users may only set stricter ones. */
  USAGE_USER_BUDGET_USD: z.coerce.number().positive().max(MAX_BUDGET_USD).optional(),
  /** A token cap (input plus output) every user has per USAGE_USER_BUDGET_PERIOD. */
  USAGE_USER_BUDGET_TOKENS: z.coerce.number().int().positive().max(MAX_BUDGET_TOKENS).optional(),
  USAGE_USER_BUDGET_PERIOD: BudgetPeriodSchema.default('month'),
  /**
   * Longest wait, when answering a summary, a budget list or a spend query, for the ledger to write the
   * records published before the question; past it the answer is given from what the ledger has.
   */
  USAGE_LEDGER_CATCH_UP_MS: configFields.milliseconds(2_000),
  /** Longest pause before a usage record whose write failed (Postgres down) is tried again. */
  USAGE_LEDGER_RETRY_MAX_MS: configFields.milliseconds(30_000),
});
export type UsageConfig = z.infer<typeof UsageConfigSchema>;

export function loadUsageConfig(env: NodeJS.ProcessEnv = process.env): UsageConfig {
  return loadConfig(UsageConfigSchema, env);
}
