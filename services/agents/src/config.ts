import { z } from 'zod';
import { MeteringConfigSchema } from '@conduit/metering';
import {
  configFields,
  DatabaseConfigSchema,
  loadConfig,
  RedisConfigSchema,
  ServiceConfigSchema,
} from '@conduit/service-kit';
import { checkConnectorsConfig, ConnectorsConfigSchema } from './connectors/connectors-config';
import { checkMasterKeyConfig, MasterKeyConfigSchema } from './crypto/agents-secrets';
import { McpConfigSchema } from './mcp/mcp.config';
import { BuiltInToolsConfigSchema } from './tools/tools.config';

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalSecret = z.string().min(1).optional();
const optionalUrl = z.url().optional();

export const AgentsConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(RedisConfigSchema.shape)
  .extend(MasterKeyConfigSchema.shape)
  .extend(BuiltInToolsConfigSchema.shape)
  .extend(MeteringConfigSchema.shape)
  .extend(ConnectorsConfigSchema.shape)
  .extend(McpConfigSchema.shape)
  .extend({
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
    /** Most schedules one user may have (a create past it is refused with CONFLICT). */
    AGENTS_MAX_SCHEDULES_PER_USER: count(1, 1_000_000).default(1_000),
    /**
     * How long the record of a finished fire is kept (its schedule has moved past its slot, so nothing
     * needs it to fire once). The notifications it made stay.
     */
    AGENTS_SCHEDULE_FIRE_RETENTION_MS: configFields.milliseconds(7 * 24 * 3_600_000),
    /** How long a notification is kept, read or not; older ones are deleted by the scheduler's passes. */
    AGENTS_NOTIFICATION_RETENTION_MS: configFields.milliseconds(90 * 24 * 3_600_000),
    /** Enables `openai/...` models (same variables as the chat service). */
    OPENAI_API_KEY: optionalSecret,
    OPENAI_BASE_URL: optionalUrl,
    /** Enables `anthropic/...` models. */
    ANTHROPIC_API_KEY: optionalSecret,
    ANTHROPIC_BASE_URL: optionalUrl,
    /** Longest wait for a provider to start answering one model call. */
    PROVIDER_TIMEOUT_MS: configFields.milliseconds(60_000),
    /** Most output tokens asked of one model call (a step); the run's token limit may lower it. */
    AGENTS_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(16).max(128_000).default(4_096),
  })
  .superRefine((config, context) => {
    checkMasterKeyConfig(config, context);
    checkConnectorsConfig(config, context);
  });
export type AgentsConfig = z.infer<typeof AgentsConfigSchema>;

export const loadAgentsConfig = (env: NodeJS.ProcessEnv = process.env): AgentsConfig =>
  loadConfig(AgentsConfigSchema, env);
