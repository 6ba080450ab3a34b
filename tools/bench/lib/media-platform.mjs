// The platform's media path as the benchmarks run it: the usage service, media-gen replicas (the fixed
// instant image provider, files in a temporary folder they share) and the gateway, built code on a
// namespace of the local NATS/Postgres/Redis. Everything it starts is registered for cleanup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError, prepareNamespace, startService } from './platform.mjs';

const JWT_SECRET = `bench-jwt-secret-${'x'.repeat(40)}`;
const MEDIA_URL_SECRET = `bench-media-url-secret-${'x'.repeat(40)}`;

/**
 * Resolves with the gateway, the media-gen replicas (`replicas[i]`, replaceable by `restartReplica(i)`),
 * the schemas, the storage folder and `assertAlive()`. `mediaEnv` adds settings to every replica.
 */
export async function startMediaPlatform({
  infra,
  ns,
  cleanup,
  log,
  replicas = 2,
  mediaEnv = {},
  cpuProfDir = null,
}) {
  // Profiles of the gateway and of every replica started (a killed one leaves none).
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['gateway', 'media-gen', 'usage']);
  const storageDir = mkdtempSync(join(tmpdir(), `${ns.id}-media-`));
  cleanup.add('media storage folder', () => rmSync(storageDir, { recursive: true, force: true }));
  const common = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: ns.redisKeyPrefix,
    LOG_LEVEL: 'warn',
  };
  log('starting usage');
  const usage = await startService('usage', { ...common, DATABASE_SCHEMA: schemas.usage });
  cleanup.add('usage', () => usage.stop());
  const mediaEnvFull = {
    ...common,
    DATABASE_SCHEMA: schemas['media-gen'],
    MEDIA_STORAGE_DIR: storageDir,
    MEDIA_URL_SECRET,
    MEDIA_OFFLINE_IMAGES: 'fixed',
    ...mediaEnv,
  };
  const media = [];
  const startReplica = async (i) => {
    log(`starting media-gen replica ${i}`);
    const replica = await startService('media-gen', mediaEnvFull, { nodeArgs });
    media[i] = replica;
    cleanup.add(`media-gen replica ${i}`, () => replica.stop());
    return replica;
  };
  for (let i = 0; i < replicas; i++) await startReplica(i);
  log('starting gateway');
  const gateway = await startService(
    'gateway',
    {
      ...common,
      DATABASE_SCHEMA: schemas.gateway,
      JWT_SECRET,
      // Benchmark accounts sign up from loopback and send far more than a person would.
      AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: '0',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
    },
    { nodeArgs },
  );
  cleanup.add('gateway', () => gateway.stop());
  const killed = new Set();
  return {
    gateway,
    replicas: media,
    schemas,
    storageDir,
    /** SIGKILL (no drain, no acknowledgement): what a crashed or OOM-killed pod leaves behind. */
    async killReplica(i) {
      const replica = media[i];
      killed.add(replica);
      const exited = new Promise((resolve) => replica.child.once('exit', resolve));
      replica.child.kill('SIGKILL');
      await exited;
    },
    restartReplica: (i) => startReplica(i),
    assertAlive() {
      for (const service of [usage, gateway, ...media]) {
        if (!killed.has(service) && !service.alive())
          throw new HarnessError(
            `${service.name} died during the benchmark (${service.exitStatus()}):\n${service.output()}`,
          );
      }
    },
  };
}
