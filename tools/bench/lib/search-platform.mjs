// The platform's search path as the benchmarks run it: the usage service, search (embedded store in a
// temporary folder, offline embedding unless the env says otherwise) and the gateway, built code on a
// namespace of the local NATS/Postgres/Redis. Everything it starts is registered for cleanup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError, prepareNamespace, startService } from './platform.mjs';

const JWT_SECRET = `bench-jwt-secret-${'x'.repeat(40)}`;

/**
 * Resolves with the gateway, search and `assertAlive()`, which throws if a service has died.
 * `searchNodeArgs` and `gatewayNodeArgs` go before each service's script (e.g. --cpu-prof); `gatewayEnv`
 * adds settings.
 */
export async function startSearchPlatform({
  infra,
  ns,
  cleanup,
  log,
  searchEnv = {},
  searchNodeArgs = [],
  gatewayEnv = {},
  gatewayNodeArgs = [],
}) {
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['gateway', 'search', 'usage']);
  const storePath = mkdtempSync(join(tmpdir(), `${ns.id}-store-`));
  cleanup.add('search store folder', () => rmSync(storePath, { recursive: true, force: true }));
  const common = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    LOG_LEVEL: 'warn',
  };
  log('starting usage');
  const usage = await startService('usage', { ...common, DATABASE_SCHEMA: schemas.usage });
  cleanup.add('usage', () => usage.stop());
  log('starting search');
  const search = await startService(
    'search',
    {
      ...common,
      DATABASE_SCHEMA: schemas.search,
      SEARCH_LANCEDB_PATH: storePath,
      ...searchEnv,
    },
    { nodeArgs: searchNodeArgs },
  );
  cleanup.add('search', () => search.stop());
  log('starting gateway');
  const gateway = await startService(
    'gateway',
    {
      ...common,
      DATABASE_SCHEMA: schemas.gateway,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: ns.redisKeyPrefix,
      JWT_SECRET,
      // Benchmark accounts sign up from loopback and send far more than a person would.
      AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: '0',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      ...gatewayEnv,
    },
    { nodeArgs: gatewayNodeArgs },
  );
  cleanup.add('gateway', () => gateway.stop());
  const assertAlive = () => {
    for (const service of [usage, search, gateway]) {
      if (!service.alive())
        throw new HarnessError(
          `${service.name} died during the benchmark (${service.exitStatus()}):\n${service.output()}`,
        );
    }
  };
  return { gateway, search, storePath, assertAlive };
}
