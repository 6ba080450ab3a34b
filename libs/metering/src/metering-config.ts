import { z } from 'zod';
import { configFields, RedisConfigSchema } from '@conduit/service-kit';

/** What a metering service reads from its environment; merged into that service's config schema. */
export const MeteringConfigSchema = RedisConfigSchema.extend({
  /**
   * How long a call's reservation lives without being renewed: a replica that dies mid-call holds its
   * callers' budgets this long at most. Running calls renew theirs.
   */
  METERING_RESERVATION_TTL_MS: configFields.milliseconds(300_000),
  /** Longest wait for one Redis call before budgets are checked against the ledger alone. */
  METERING_REDIS_TIMEOUT_MS: configFields.milliseconds(1_000),
  /**
   * How long a replica reuses a user's budgets as read from the usage service. Changes reach every
   * replica by the event usage.budget.changed; this bounds how long a replica that missed it keeps the old limits.
   */
  METERING_BUDGET_CACHE_TTL_MS: configFields.milliseconds(30_000),
  /** Most users whose budgets a replica keeps; the least recently used go first. */
  METERING_BUDGET_CACHE_MAX_USERS: z.coerce.number().int().positive().default(10_000),
  /**
   * Attempts to publish a usage record (with exponential backoff) before the call's answer goes on
   * without waiting; the record then stays in this replica's outbox and is retried in the background.
   */
  METERING_PUBLISH_ATTEMPTS: z.coerce.number().int().positive().max(20).default(3),
});
export type MeteringConfig = z.infer<typeof MeteringConfigSchema>;
