import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { migrateServiceSchema } from '@conduit/db';
import { listeningPort } from '@conduit/service-kit';
import {
  inProcessServiceEnv,
  isolatedNamespace,
  redisTestEnv,
  startServiceProcess,
  testEnv,
  type ServiceProcess,
} from '@conduit/testing';
import { startAgents } from '../../src/app';
import { loadAgentsConfig, type AgentsConfig } from '../../src/config';

export interface AgentsTestApp {
  app: NestFastifyApplication;
  config: AgentsConfig;
  /** Its subject prefix, schema names and Redis prefix: other services a test starts join it. */
  namespace: ReturnType<typeof isolatedNamespace>;
  bus: Bus;
  baseUrl: string;
  /** The Postgres schema and Redis key prefix of this app's namespace. */
  schema: string;
  redisKeyPrefix: string;
  close(): Promise<void>;
}

/** The agents service in-process on its own namespace and schema, and a bus client on that namespace. */
export async function startAgentsTestApp(
  extraEnv: Record<string, string> = {},
  label = 'agents',
  options: { withUsage?: boolean } = {},
): Promise<AgentsTestApp> {
  const namespace = isolatedNamespace(label);
  const infra = testEnv();
  const schema = namespace.schemaFor('agents');
  const migrated = await migrateServiceSchema('agents', infra.databaseUrl, schema);
  // Runs meter every call: the usage service (built, as its own process) answers budgets and keeps the ledger.
  let usage: ServiceProcess | null = null;
  let dropUsage = async () => {};
  if (options.withUsage) {
    const usageSchema = namespace.schemaFor('usage');
    dropUsage = (await migrateServiceSchema('usage', infra.databaseUrl, usageSchema)).drop;
    usage = await startServiceProcess('usage', {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: usageSchema,
      SHUTDOWN_GRACE_MS: '5000',
    });
  }
  const drop = async () => {
    await usage?.stop(5_000);
    await migrated.drop();
    await dropUsage();
  };
  const env = {
    ...inProcessServiceEnv(namespace, schema),
    ...redisTestEnv(namespace),
    AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
    ...extraEnv,
  };
  const config = loadAgentsConfig(env);
  const app = await startAgents(config).catch(async (error: unknown) => {
    await drop();
    throw error;
  });
  const bus = await Bus.connect({
    url: env.NATS_URL,
    name: 'agents-test-client',
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
  });
  return {
    app,
    config,
    namespace,
    bus,
    baseUrl: `http://127.0.0.1:${listeningPort(app)}`,
    schema,
    redisKeyPrefix: namespace.redisKeyPrefix,
    close: async () => {
      await bus.close();
      await app.close();
      await drop();
    },
  };
}
