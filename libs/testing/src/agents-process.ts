import { randomBytes } from 'node:crypto';
import { startServiceProcess, type ServiceProcess } from './service-process';
import { testEnv } from './test-env';

export interface AgentsProcess {
  agents: ServiceProcess;
  /** Removes the agents schema (after the process has stopped). */
  drop(): Promise<void>;
}

/** Migrates a service's schema (`migrateServiceSchema` of `@conduit/db`, which depends on this library). */
export type SchemaMigrator = (
  service: string,
  databaseUrl: string,
  schema: string,
) => Promise<{ drop(): Promise<void> }>;

/**
 * The agents service as its own process (built `dist/`, as deployed), beside the service under test: on
 * its subjects and Redis keys, a freshly migrated `schema`, and a random master key; `env` adds to it.
 */
export async function startAgentsProcess(
  deployment: { NATS_URL: string; NATS_SUBJECT_PREFIX: string; REDIS_URL: string; REDIS_KEY_PREFIX: string },
  schema: { name: string; migrate: SchemaMigrator },
  env: Record<string, string> = {},
): Promise<AgentsProcess> {
  const { drop } = await schema.migrate('agents', testEnv().databaseUrl, schema.name);
  try {
    const agents = await startServiceProcess('agents', {
      NATS_URL: deployment.NATS_URL,
      NATS_SUBJECT_PREFIX: deployment.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema.name,
      AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
      REDIS_URL: deployment.REDIS_URL,
      REDIS_KEY_PREFIX: deployment.REDIS_KEY_PREFIX,
      SHUTDOWN_GRACE_MS: '5000',
      ...env,
    });
    return { agents, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}
