import { z } from 'zod';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';
import { checkMasterKeyConfig, MasterKeyConfigSchema } from './secrets/health-secrets';

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const HealthDataConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(MasterKeyConfigSchema.shape)
  .extend({
    PORT: configFields.port(3106),
    /** `/metrics` (Prometheus) is served here only, never on PORT. */
    METRICS_PORT: configFields.port(9470),
    DATABASE_SCHEMA: configFields.schemaName().default('health-data'),

    /**
     * Whether this process ingests imports. Off, it only answers requests (uploads are still accepted
     * into the durable import stream by the gateway, and ingested by a process where it is on).
     */
    HEALTH_IMPORTER_ENABLED: z.stringbool().default(true),
    /** Imports one replica ingests at once. */
    HEALTH_IMPORT_CONCURRENCY: count(1, 32).default(2),
    /** Deliveries of an import (a crash counts as one) before it fails for good with the last reason. */
    HEALTH_IMPORT_MAX_ATTEMPTS: count(1, 100).default(5),
    /** First pause before an import that failed for a passing reason (Postgres away) is tried again; doubled each time. */
    HEALTH_IMPORT_RETRY_BASE_MS: configFields.milliseconds(1_000),
    HEALTH_IMPORT_RETRY_MAX_MS: configFields.milliseconds(60_000),
    /**
     * How long JetStream waits for an acknowledgement before giving an import to another replica;
     * extended while it is ingested, so this bounds how soon the imports of a replica that died resume.
     */
    HEALTH_IMPORT_ACK_WAIT_MS: configFields.milliseconds(30_000),
    /** Largest upload the service reads (the gateway refuses larger ones first). */
    HEALTH_UPLOAD_MAX_BYTES: count(1, 4 * 1024 ** 3).default(200 * 1024 * 1024),
    /** Largest Apple Health export the service reads (streamed to a temporary file, never held in memory). */
    HEALTH_EXPORT_MAX_BYTES: count(1, 16 * 1024 ** 3).default(2 * 1024 ** 3),
    /** Files read from one zip archive at most. */
    HEALTH_ZIP_MAX_ENTRIES: count(1, 1_000_000).default(10_000),
    /** Bytes unpacked from one zip archive at most (a zip bomb stops here). */
    HEALTH_ZIP_MAX_UNPACKED_BYTES: count(1, 16 * 1024 ** 3).default(1024 ** 3),
    /** A sample starting this far past the time it is ingested is refused as a future date. */
    HEALTH_FUTURE_TOLERANCE_MS: configFields.milliseconds(15 * 60_000),
    /** The Garmin Health API that pings send the service to pull summaries from. */
    GARMIN_API_BASE_URL: z.url().default('https://apis.garmin.com/wellness-api/rest'),
    /** Longest wait for one pull from the Garmin Health API. */
    GARMIN_PULL_TIMEOUT_MS: configFields.milliseconds(30_000),
    /** How often an import's progress stream rereads it, in case a progress message was lost. */
    HEALTH_WATCH_POLL_MS: configFields.milliseconds(5_000),
  })
  .superRefine(checkMasterKeyConfig);
export type HealthDataConfig = z.infer<typeof HealthDataConfigSchema>;

export const loadHealthDataConfig = (env: NodeJS.ProcessEnv = process.env): HealthDataConfig =>
  loadConfig(HealthDataConfigSchema, env);
