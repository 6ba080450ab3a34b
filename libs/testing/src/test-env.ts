import { randomBytes } from 'node:crypto';

/** Where the test run's infrastructure lives, and the names that keep this run's data apart from others. */
export interface TestEnv {
  natsUrl: string;
  databaseUrl: string;
  redisUrl: string;
  runId: string;
}

export const DEFAULT_TEST_URLS = {
  natsUrl: 'nats://127.0.0.1:4222',
  databaseUrl: 'postgresql://postgres@127.0.0.1:5432/conduit_test',
  redisUrl: 'redis://127.0.0.1:6379',
};

export function testEnv(): TestEnv {
  return {
    natsUrl: process.env.NATS_URL ?? DEFAULT_TEST_URLS.natsUrl,
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_TEST_URLS.databaseUrl,
    redisUrl: process.env.REDIS_URL ?? DEFAULT_TEST_URLS.redisUrl,
    runId: process.env.CONDUIT_TEST_RUN_ID ?? 'local',
  };
}

/**
 * A fresh namespace for one test suite: subject prefix, Postgres schema names and Redis key prefix
 * all carry the run id and a random suffix, so suites and runs never see each other's data.
 */
export function isolatedNamespace(label: string): {
  id: string;
  subjectPrefix: string;
  schemaFor: (service: string) => string;
  redisKeyPrefix: string;
} {
  const id = `${testEnv().runId}_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  return {
    id,
    subjectPrefix: `t_${id}.`,
    schemaFor: (service) => `t_${id}_${service.replace(/-/g, '_')}`,
    redisKeyPrefix: `t:${id}:`,
  };
}

/**
 * The environment of a service started in-process by a test: the test run's NATS and Postgres on
 * `namespace`'s subjects and the given schema, ports chosen by the OS, and logs silent unless DEBUG
 * is set.
 */
export function inProcessServiceEnv(namespace: { subjectPrefix: string }, schema: string) {
  const infra = testEnv();
  return {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: schema,
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
  };
}

/** The test run's Redis, with keys kept under `namespace`'s prefix. */
export function redisTestEnv(namespace: { redisKeyPrefix: string }) {
  return { REDIS_URL: testEnv().redisUrl, REDIS_KEY_PREFIX: namespace.redisKeyPrefix };
}
