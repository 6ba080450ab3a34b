import { z } from 'zod';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';
import { checkMasterKeyConfig, MasterKeyConfigSchema } from './crypto/master-key-config';

<<<<<<< HEAD
export const AgentsConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(MasterKeyConfigSchema.shape)
  .extend({
    PORT: configFields.port(3107),
    /** `/metrics` (Prometheus) is served here only, never on PORT. */
    METRICS_PORT: configFields.port(9471),
    DATABASE_SCHEMA: configFields.schemaName().default('agents'),
  })
  .superRefine(checkMasterKeyConfig);
=======
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const AgentsConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape).extend({
  PORT: configFields.port(3107),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9471),
  DATABASE_SCHEMA: configFields.schemaName().default('agents'),
  /**
   * Whether this process fires schedules. Off, it only answers requests; the replicas where it is on
   * share the firing (each slot fires once, whichever replica claims it).
   */
  AGENTS_SCHEDULER_ENABLED: z.stringbool().default(true),
  /** How often a replica looks for schedules that are due (and for fires to run). */
  AGENTS_SCHEDULER_POLL_MS: configFields.milliseconds(1_000),
  /** Schedules claimed in one transaction; a replica claims again at once while batches come back full. */
  AGENTS_SCHEDULER_CLAIM_BATCH: count(1, 5_000).default(500),
  /** Scheduled runs one replica runs at once. */
  AGENTS_SCHEDULER_CONCURRENCY: count(1, 1_000).default(64),
  /**
   * How long a fire taken by a replica stays its own without being renewed; renewed while it runs, so
   * this bounds how soon the fires of a replica that died run elsewhere.
   */
  AGENTS_SCHEDULE_FIRE_LEASE_MS: configFields.milliseconds(60_000),
  /** Tries of one fire (a replica that died while running it counts as one) before it fails for good. */
  AGENTS_SCHEDULE_FIRE_MAX_ATTEMPTS: count(1, 20).default(3),
  /** Most missed slots a schedule with catch-up `all` fires when it is due again (the most recent ones). */
  AGENTS_SCHEDULE_CATCH_UP_MAX: count(1, 1_000).default(10),
  /** A slot at most this old is on time, not missed: what catch-up `none` still fires. */
  AGENTS_SCHEDULE_GRACE_MS: configFields.milliseconds(60_000),
});
>>>>>>> cdf1a63 (agents: schedules of agents (cron in an IANA time zone via croner, or once) kept in Postgres and fired once per slot across replicas (FOR UPDATE SKIP LOCKED claim and a unique (schedule, slot) fire row in the transaction that advances next_fire_at), missed slots caught up by policy (latest, all up to N, none); each fire's outcome a notification, announced by the durable agents.notification.created. Gateway: /api/v1/schedules and /api/v1/notifications, and a notification frame pushed to the owner's /ws connections on every replica)
export type AgentsConfig = z.infer<typeof AgentsConfigSchema>;

export const loadAgentsConfig = (env: NodeJS.ProcessEnv = process.env): AgentsConfig =>
  loadConfig(AgentsConfigSchema, env);
