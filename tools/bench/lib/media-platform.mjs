// The platform's media path as the benchmarks run it: the usage service, media-gen replicas (the fixed
// instant image provider, files in a temporary folder they share) and the gateway, built code on a
// namespace of the local NATS/Postgres/Redis. Everything it starts is registered for cleanup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, HarnessError, prepareNamespace, startService } from './platform.mjs';

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
  // Profiles of the gateway, the usage service and every replica started (a killed one leaves none).
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['gateway', 'media-gen', 'usage']);
  const storageDir = mkdtempSync(join(tmpdir(), `${ns.id}-media-`));
  cleanup.add('media storage folder', () => rmSync(storageDir, { recursive: true, force: true }));
  // Each process names its Postgres connections, so the backends serving it can be found (and their CPU read).
  const databaseUrlOf = (name) => {
    const url = new URL(infra.databaseUrl);
    url.searchParams.set('application_name', `${ns.id}-${name}`);
    return url.toString();
  };
  const common = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: ns.redisKeyPrefix,
    LOG_LEVEL: 'warn',
  };
  log('starting usage');
  const usage = await startService(
    'usage',
    { ...common, DATABASE_URL: databaseUrlOf('usage'), DATABASE_SCHEMA: schemas.usage },
    { nodeArgs },
  );
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
  // CPU (ms) each replica slot used in processes that have ended (SIGKILL), counted from when each was ready.
  const endedCpuMs = [];
  const readyCpuMs = new Map();
  const startReplica = async (i) => {
    log(`starting media-gen replica ${i}`);
    const replica = await startService(
      'media-gen',
      { ...mediaEnvFull, DATABASE_URL: databaseUrlOf(`media-gen-${i}`) },
      { nodeArgs },
    );
    readyCpuMs.set(replica, cpuMs(replica.pid));
    endedCpuMs[i] ??= 0;
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
      DATABASE_URL: databaseUrlOf('gateway'),
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
    usage,
    replicas: media,
    schemas,
    storageDir,
    /** SIGKILL (no drain, no acknowledgement): what a crashed or OOM-killed pod leaves behind. */
    async killReplica(i) {
      const replica = media[i];
      killed.add(replica);
      endedCpuMs[i] += cpuMs(replica.pid) - readyCpuMs.get(replica);
      const exited = new Promise((resolve) => replica.child.once('exit', resolve));
      replica.child.kill('SIGKILL');
      await exited;
    },
    restartReplica: (i) => startReplica(i),
    /**
     * CPU (ms, user + system) used so far by each process of the platform since it was ready: a killed
     * replica's up to its kill plus its successor's; start-up is left out.
     */
    cpuMsByProcess() {
      const cpu = { gateway: cpuMs(gateway.pid), usage: cpuMs(usage.pid) };
      media.forEach((replica, i) => {
        const current = killed.has(replica) ? 0 : cpuMs(replica.pid) - readyCpuMs.get(replica);
        cpu[`media-gen ${i}`] = endedCpuMs[i] + current;
      });
      return cpu;
    },
    /** The application name of every Postgres connection of this platform starts with this. */
    databaseApplicationPrefix: `${ns.id}-`,
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
