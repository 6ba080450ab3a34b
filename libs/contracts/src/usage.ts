import { z } from 'zod';
import { defineEvent, defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * Usage and budgets, owned by the usage service: the ledger of what every service's calls consumed,
 * summarised per day, model, API key and service, and spending limits per user and per API key that
 * every service enforces through libs/metering. Every request is answered for the envelope's user only.
 */

export const BudgetScopeSchema = z.enum(['user', 'api_key']);
export type BudgetScope = z.infer<typeof BudgetScopeSchema>;

/** Calendar periods in UTC: a day budget resets at 00:00 UTC, a month budget on the 1st at 00:00 UTC. */
export const BudgetPeriodSchema = z.enum(['day', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriodSchema>;

/**
 * The most USD one ledger row or one budget holds: their columns are DECIMAL(14, 8), six digits before the
 * point and eight after (1,000,000 itself does not fit).
 */
export const MAX_LEDGER_USD = 999_999.999_999_99;
/** Largest amount a budget may name, in USD: what its column holds. */
export const MAX_BUDGET_USD = MAX_LEDGER_USD;
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

export const UsageGroupSchema = z.enum(['day', 'model', 'apiKey', 'service']);
export type UsageGroup = z.infer<typeof UsageGroupSchema>;

/** Longest range one usage summary may cover. */
export const MAX_USAGE_RANGE_DAYS = 400;

export const UsageSummaryRequestSchema = z
  .strictObject({
    /** Inclusive. */
    from: z.iso.datetime(),
    /** Exclusive. */
    to: z.iso.datetime(),
    groupBy: z.array(UsageGroupSchema).min(1).max(UsageGroupSchema.options.length),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= MAX_USAGE_RANGE_DAYS * 86_400_000, {
    message: `the range may span at most ${MAX_USAGE_RANGE_DAYS} days`,
    path: ['to'],
  });
export type UsageSummaryRequest = z.infer<typeof UsageSummaryRequestSchema>;

export const UsageTotalsSchema = z.object({
  /** Metered calls (completions, syntheses, generations...), whatever their outcome. */
  requests: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  /** Characters synthesised to speech. */
  characters: z.number().int().nonnegative(),
  /** Seconds of audio transcribed or video generated. */
  seconds: z.number().nonnegative(),
  images: z.number().int().nonnegative(),
  /** Agent steps. */
  steps: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** Calls whose provider reported no usage: their quantities and cost are our estimate. */
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
  /** By the service that metered the calls (chat, voice, ...), most expensive first. */
  byService: z.array(UsageTotalsSchema.extend({ service: z.string() })).optional(),
});
export type UsageSummary = z.infer<typeof UsageSummarySchema>;

/** What a metered call consumed, in the units it is priced in; absent means none. */
export const UsageQuantitiesSchema = z.strictObject({
  inputTokens: z.int().nonnegative().optional(),
  outputTokens: z.int().nonnegative().optional(),
  /** The part of `inputTokens` read from the provider's prompt cache. */
  cachedTokens: z.int().nonnegative().optional(),
  characters: z.int().nonnegative().optional(),
  seconds: z.number().nonnegative().optional(),
  images: z.int().nonnegative().optional(),
  steps: z.int().nonnegative().optional(),
});
export type UsageQuantities = z.infer<typeof UsageQuantitiesSchema>;

/** Services that meter usage; a name appears in the ledger and in `byService`. */
export const MeteredServiceSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/);

/**
 * One metered call, published by the service that made it (libs/metering) and written to the ledger by
 * the usage service. `recordId` is the message id JetStream de-duplicates on and the ledger's key, so a
 * record published twice (a retry after a lost acknowledgement) is counted once.
 */
export const UsageRecordedEventSchema = z.strictObject({
  recordId: z.uuid(),
  userId: z.string().min(1),
  apiKeyId: z.string().min(1).nullable(),
  service: MeteredServiceSchema,
  /** The model or engine that did the work (`openai/gpt-4o-mini`, `offline/espeak-ng`). */
  model: z.string().min(1).max(200),
  /** How the call ended: complete, cancelled, failed, interrupted. */
  status: z.string().min(1).max(40),
  quantities: UsageQuantitiesSchema,
  /** true when the provider reported nothing and the quantities are our estimate. */
  estimated: z.boolean(),
  /** What the ledger's cost column holds at most: a larger cost is refused here, not by the ledger's insert. */
  costUsd: z.number().nonnegative().max(MAX_LEDGER_USD),
  /** What the call belongs to in its service (a completion's stream id), for tracing a row back. */
  reference: z.string().max(200).nullable(),
  occurredAt: z.iso.datetime(),
});
export type UsageRecordedEvent = z.infer<typeof UsageRecordedEventSchema>;

/** A budget as enforcement sees it: limits in integer nano-USD (exact in Redis and Lua) and tokens. */
export const BudgetLimitSchema = z.object({
  scope: BudgetScopeSchema,
  /** The user id for a user budget, the key id for a key budget. */
  scopeId: z.string().min(1),
  source: z.enum(['user', 'deployment']),
  period: BudgetPeriodSchema,
  limitNanoUsd: z.int().nonnegative().nullable(),
  limitTokens: z.int().nonnegative().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});
export type BudgetLimit = z.infer<typeof BudgetLimitSchema>;

/** What one scope spent in `[from, to)`: nano-USD and tokens (input plus output). */
export const SpendSchema = z.object({ nanoUsd: z.int().nonnegative(), tokens: z.int().nonnegative() });
export type Spend = z.infer<typeof SpendSchema>;

/** A user's budgets (their own or their keys') were set or deleted. */
export const BudgetsChangedEventSchema = z.object({ userId: z.string().min(1) });
export type BudgetsChangedEvent = z.infer<typeof BudgetsChangedEventSchema>;

export const UsageContract = {
  summarizeUsage: defineRequest({
    subject: 'usage.summary.get',
    request: UsageSummaryRequestSchema,
    response: UsageSummarySchema,
  }),
  listBudgets: defineRequest({
    subject: 'usage.budget.list',
    request: z.strictObject({}),
    response: BudgetListSchema,
  }),
  setBudget: defineRequest({
    subject: 'usage.budget.set',
    request: z.strictObject({ target: BudgetTargetSchema, limits: BudgetLimitsSchema }),
    response: BudgetSchema,
  }),
  deleteBudget: defineRequest({
    subject: 'usage.budget.delete',
    request: z.strictObject({ target: BudgetTargetSchema }),
    response: z.object({ deleted: z.literal(true) }),
    errors: [ErrorCode.NotFound],
  }),
  /**
   * For metering services: the budgets that may apply to the envelope's user (theirs, their keys', and
   * the deployment's per-user budget), limits only. Metering caches them until `budgetsChanged`.
   */
  budgetLimits: defineRequest({
    subject: 'usage.budget.limits',
    request: z.strictObject({}),
    response: z.object({ data: z.array(BudgetLimitSchema) }),
  }),
  /**
   * For metering services: what the envelope's user (or one of their keys) spent in a period, from the
   * ledger once it has written every record published before the request.
   */
  spent: defineRequest({
    subject: 'usage.spend.get',
    request: z.strictObject({
      apiKeyId: z.string().min(1).max(100).nullable(),
      from: z.iso.datetime(),
      to: z.iso.datetime(),
    }),
    response: SpendSchema,
  }),
  /**
   * Published by the usage service, heard by every replica of every metering service (not one per queue
   * group): each drops its cached copy of that user's budgets. Not durable: a replica that misses one
   * catches up when its copy expires.
   */
  budgetsChanged: defineEvent({ subject: 'usage.budget.changed', payload: BudgetsChangedEventSchema }),
  /** Every metered call, durable: the ledger is written from this stream, so no record is lost. */
  usageRecorded: defineEvent({
    subject: 'usage.recorded',
    payload: UsageRecordedEventSchema,
    durable: { stream: 'USAGE_RECORDS' },
  }),
} as const;

/** The durable consumer through which the usage service writes the ledger. */
export const USAGE_LEDGER_CONSUMER = 'usage-ledger';
