import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Pool } from 'pg';
import { Bus } from '@conduit/bus';
import { migrateServiceSchema } from '@conduit/db';
import { listeningPort, PG_POOL } from '@conduit/service-kit';
import { inProcessServiceEnv, isolatedNamespace, testEnv } from '@conduit/testing';
import { startHealthData } from '../../src/app';
import { loadHealthDataConfig } from '../../src/config';

export interface HealthDataTestApp {
  app: NestFastifyApplication;
  bus: Bus;
  pool: Pool;
  baseUrl: string;
  env: Record<string, string>;
  /** Starts the service again on the same schema and subjects (after `stop`). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** The health-data service on its own schema and subject prefix, and a bus client beside it. */
export async function startHealthDataForTest(
  extraEnv: Record<string, string> = {},
): Promise<HealthDataTestApp> {
  const namespace = isolatedNamespace('health-data');
  const infra = testEnv();
  const schema = namespace.schemaFor('health-data');
  const { drop } = await migrateServiceSchema('health-data', infra.databaseUrl, schema);
  const env: Record<string, string> = {
    ...inProcessServiceEnv(namespace, schema),
    HEALTH_MASTER_KEY: randomBytes(32).toString('base64'),
    ...extraEnv,
  };
  const bus = await Bus.connect({
    url: env.NATS_URL!,
    name: 'health-data-test-client',
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
  });
  let app: NestFastifyApplication | null = null;
  const handle: HealthDataTestApp = {
    get app() {
      if (!app) throw new Error('health-data is stopped');
      return app;
    },
    bus,
    get pool() {
      return handle.app.get<Pool>(PG_POOL);
    },
    get baseUrl() {
      return `http://127.0.0.1:${listeningPort(handle.app)}`;
    },
    env,
    restart: async () => {
      app = await startHealthData(loadHealthDataConfig(env));
    },
    stop: async () => {
      await app?.close();
      app = null;
    },
    close: async () => {
      await bus.close();
      await app?.close();
      app = null;
      await drop();
    },
  };
  await handle.restart();
  return handle;
}
