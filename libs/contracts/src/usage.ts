import { z } from 'zod';
import { defineEvent, defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * Usage and budgets, owned by the chat service: the usage ledger summarised per day, model and API key,
 * and spending limits per user and per API key. Every request is answered for the envelope's user only.
 */

export const BudgetScopeSchema = z.enum(['user', 'api_key']);
export type BudgetScope = z.infer<typeof BudgetScopeSchema>;

/** Calendar periods in UTC: a day budget resets at 00:00 UTC, a month budget on the 1st at 00:00 UTC. */
export const BudgetPeriodSchema = z.enum(['day', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriodSchema>;

/** Largest amount a budget may name, in USD; keeps sums exact in the ledger's DECIMAL(14, 8). */
export const MAX_BUDGET_USD = 1_000_000;
/** Largest token cap a budget may name. */
export const MAX_BUDGET_TOKENS = 1_000_000_000_000;

/** A budget's limits: an amount in USD and/or a token cap (input plus output tokens), per period. */
export const BudgetLimitsSchema = z
  .strictObject({
    period: BudgetPeriodSchema,
    limitUsd: z.number().positive().max(MAX_BUDGET_USD).optional(),
    limitTokens: z.int().positive().max(MAX_BUDGET_TOKENS).optional(),
  })
  .refine((limits) => limits.limitUsd !== undefined || limits.limitTokens !== undefined, {
    message: 'give limitUsd, limitTokens, or both',
  });
export type BudgetLimits = z.infer<typeof BudgetLimitsSchema>;

/** Whose budget: the user's own, or one of their API keys' (the gateway checks the key is theirs). */
export const BudgetTargetSchema = z.discriminatedUnion('scope', [
  z.strictObject({ scope: z.literal('user') }),
  z.strictObject({ scope: z.literal('api_key'), apiKeyId: z.string().min(1).max(100) }),
]);
export type BudgetTarget = z.infer<typeof BudgetTargetSchema>;

/** A budget and where its current period stands. */
export const BudgetSchema = z.object({
  scope: BudgetScopeSchema,
  /** The key a key budget limits; null for a user budget. */
  apiKeyId: z.string().nullable(),
  /** `user`: set through the API; `deployment`: the per-user default every user has (read-only). */
  source: z.enum(['user', 'deployment']),
  period: BudgetPeriodSchema,
  limitUsd: z.number().nullable(),
  limitTokens: z.number().int().nullable(),
  /** Spent in the current period, from the usage ledger (completions in flight are not counted yet). */
  spentUsd: z.number(),
  spentTokens: z.number().int(),
  periodStart: z.iso.datetime(),
  resetsAt: z.iso.datetime(),
  updatedAt: z.iso.datetime().nullable(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export const BudgetListSchema = z.object({ data: z.array(BudgetSchema) });
export type BudgetList = z.infer<typeof BudgetListSchema>;

/** What BUDGET_EXCEEDED carries in `details`, so a client can tell which budget and when it resets. */
export interface BudgetExceededDetails {
  scope: BudgetScope;
  apiKeyId: string | null;
  source: 'user' | 'deployment';
  period: BudgetPeriod;
  /** Which limit the request would cross. */
  limit: 'usd' | 'tokens';
  limitUsd: number | null;
  limitTokens: number | null;
  spentUsd: number;
  spentTokens: number;
  /** Held by completions still running. */
  reservedUsd: number;
  reservedTokens: number;
  /** The most this request could cost: its prompt and its full max output. */
  requestMaxUsd: number;
  requestMaxTokens: number;
  resetsAt: string;
}

export const UsageGroupSchema = z.enum(['day', 'model', 'apiKey']);
export type UsageGroup = z.infer<typeof UsageGroupSchema>;

/** Longest range one usage summary may cover. */
export const MAX_USAGE_RANGE_DAYS = 400;

export const UsageSummaryRequestSchema = z
  .strictObject({
    /** Inclusive. */
    from: z.iso.datetime(),
    /** Exclusive. */
    to: z.iso.datetime(),
    groupBy: z.array(UsageGroupSchema).min(1).max(3),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= MAX_USAGE_RANGE_DAYS * 86_400_000, {
    message: `the range may span at most ${MAX_USAGE_RANGE_DAYS} days`,
    path: ['to'],
  });
export type UsageSummaryRequest = z.infer<typeof UsageSummaryRequestSchema>;

export const UsageTotalsSchema = z.object({
  /** Completions, whatever their outcome. */
  requests: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** Completions whose provider reported no usage: their tokens and cost are our estimate. */
  estimatedRequests: z.number().int().nonnegative(),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

export const UsageSummarySchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  totals: UsageTotalsSchema,
  /** UTC days with any usage, oldest first. */
  byDay: z.array(UsageTotalsSchema.extend({ day: z.iso.date() })).optional(),
  /** By the model that answered, most expensive first. */
  byModel: z.array(UsageTotalsSchema.extend({ model: z.string() })).optional(),
  /** By API key, most expensive first; `apiKeyId` null for calls made with an access token. */
  byApiKey: z.array(UsageTotalsSchema.extend({ apiKeyId: z.string().nullable() })).optional(),
});
export type UsageSummary = z.infer<typeof UsageSummarySchema>;

/** A user's budgets (their own or their keys') were set or deleted. */
export const BudgetsChangedEventSchema = z.object({ userId: z.string().min(1) });
export type BudgetsChangedEvent = z.infer<typeof BudgetsChangedEventSchema>;

export const UsageContract = {
  summarizeUsage: defineRequest({
    subject: 'chat.usage.summarize',
    request: UsageSummaryRequestSchema,
    response: UsageSummarySchema,
  }),
  listBudgets: defineRequest({
    subject: 'chat.budget.list',
    request: z.strictObject({}),
    response: BudgetListSchema,
  }),
  setBudget: defineRequest({
    subject: 'chat.budget.set',
    request: z.strictObject({ target: BudgetTargetSchema, limits: BudgetLimitsSchema }),
    response: BudgetSchema,
  }),
  deleteBudget: defineRequest({
    subject: 'chat.budget.delete',
    request: z.strictObject({ target: BudgetTargetSchema }),
    response: z.object({ deleted: z.literal(true) }),
    errors: [ErrorCode.NotFound],
  }),
  /**
   * Internal to chat, for every replica (not one per queue group): each drops its cached copy of that
   * user's budgets. Not durable: a replica that misses one catches up when its copy expires.
   */
  budgetsChanged: defineEvent({ subject: 'chat.budget.changed', payload: BudgetsChangedEventSchema }),
} as const;
