import { randomBytes } from 'node:crypto';
import { migrateServiceSchema } from '@conduit/db';
import { startServiceProcess, testEnv, type ServiceProcess } from '@conduit/testing';
import type { TestGateway } from './gateway-test-app';

export interface AgentsProcess {
  agents: ServiceProcess;
  /** Removes the agents schema (after the process has stopped). */
  drop(): Promise<void>;
}

/**
 * The agents service as its own process (built `dist/`, as deployed) beside a test gateway, on the
 * gateway's namespace and a freshly migrated schema, with a random master key; `env` adds to it.
 */
export async function startAgentsProcess(
  gateway: TestGateway,
  env: Record<string, string> = {},
): Promise<AgentsProcess> {
  const schema = gateway.namespace.schemaFor('agents');
  const { drop } = await migrateServiceSchema('agents', testEnv().databaseUrl, schema);
  try {
    const agents = await startServiceProcess('agents', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
      REDIS_URL: gateway.config.REDIS_URL,
      REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
      SHUTDOWN_GRACE_MS: '5000',
      ...env,
    });
    return { agents, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}
