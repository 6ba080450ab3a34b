import { z } from 'zod';
import { BudgetPeriodSchema, MAX_BUDGET_TOKENS, MAX_BUDGET_USD } from '@conduit/contracts';
import { configFields, RedisConfigSchema } from '@conduit/service-kit';

/** Chat's settings for usage and budgets; merged into the chat config schema. */
export const UsageConfigSchema = RedisConfigSchema.extend({
  /** A budget every user has, in USD per CHAT_USER_BUDGET_PERIOD; users may only set stricter ones. */
  CHAT_USER_BUDGET_USD: z.coerce.number().positive().max(MAX_BUDGET_USD).optional(),
  /** A token cap (input plus output) every user has per CHAT_USER_BUDGET_PERIOD. */
  CHAT_USER_BUDGET_TOKENS: z.coerce.number().int().positive().max(MAX_BUDGET_TOKENS).optional(),
  CHAT_USER_BUDGET_PERIOD: BudgetPeriodSchema.default('month'),
  /**
   * How long a completion's reservation lives without being renewed: a replica that dies mid-answer
   * holds its callers' budgets this long at most. Running completions renew theirs.
   */
  CHAT_BUDGET_RESERVATION_TTL_MS: configFields.milliseconds(300_000),
  /** Longest wait for one Redis call before budgets are checked against the ledger alone. */
  CHAT_BUDGET_REDIS_TIMEOUT_MS: configFields.milliseconds(1_000),
  /**
   * How long a replica reuses a user's budgets as read from Postgres. Changes made through chat reach
   * every replica by an event; this bounds how long a replica that missed it keeps the old limits.
   */
  CHAT_BUDGET_CACHE_TTL_MS: configFields.milliseconds(30_000),
  /** Most users whose budgets a replica keeps; the least recently used go first. */
  CHAT_BUDGET_CACHE_MAX_USERS: z.coerce.number().int().positive().default(10_000),
});
export type UsageConfig = z.infer<typeof UsageConfigSchema>;
