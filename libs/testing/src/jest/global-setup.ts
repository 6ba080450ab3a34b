import { randomBytes } from 'node:crypto';
import { dockerEngineAnswers } from '../docker-engine';
import { DEFAULT_TEST_URLS } from '../test-env';
import { startContainers } from './containers';

/**
 * Runs once before the integration suites: picks the run id, and takes NATS/Postgres/Redis from the
 * environment, else from containers where a Docker engine answers, else from the local default ports.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CONDUIT_TEST_RUN_ID ??= randomBytes(3).toString('hex');
  const missing = (['NATS_URL', 'DATABASE_URL', 'REDIS_URL'] as const).filter((k) => !process.env[k]);
  const containersAllowed = process.env.CONDUIT_TEST_CONTAINERS !== 'off' && (await dockerEngineAnswers());
  // Suites that need a server nothing else provides (Qdrant) start a container of their own only then.
  process.env.CONDUIT_TEST_DOCKER = containersAllowed ? 'yes' : 'no';
  if (missing.length > 0 && containersAllowed) {
    Object.assign(process.env, await startContainers(missing));
  }
  process.env.NATS_URL ??= DEFAULT_TEST_URLS.natsUrl;
  process.env.DATABASE_URL ??= DEFAULT_TEST_URLS.databaseUrl;
  process.env.REDIS_URL ??= DEFAULT_TEST_URLS.redisUrl;
  // Every suite's services keep their stream events in JetStream memory: a little each is plenty.
  process.env.STREAM_RETENTION_MAX_BYTES ??= String(4 * 1024 * 1024);
}
