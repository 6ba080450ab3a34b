// Shared harness for benchmarks: runs the BUILT services as child processes on an isolated namespace
// (NATS subject prefix, Postgres schemas, Redis key prefix) of the local infrastructure, and removes
// every trace of the run afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Resolves packages as the repo root does: npm workspaces link `@conduit/*` to `libs/*` (CommonJS in dist). */
export const requireFromRoot = createRequire(join(REPO_ROOT, 'package.json'));

/** A failure of the harness itself (not of the system under test): the benchmark exits non-zero. */
export class HarnessError extends Error {}

export function infraFromEnv() {
  return {
    natsUrl: process.env.NATS_URL || 'nats://127.0.0.1:4222',
    databaseUrl: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/conduit',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

/** Stops with a clear message unless the given services and libs have been built. */
export function requireBuilt({ services = [], libs = [] }) {
  const missing = [
    ...services.map((name) => join(REPO_ROOT, 'services', name, 'dist', 'main.js')),
    ...libs.map((name) => join(REPO_ROOT, 'libs', name, 'dist', 'index.js')),
  ].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new HarnessError(
      `benchmarks run the built code, and these are missing:\n${missing
        .map((file) => `  ${relative(REPO_ROOT, file)}`)
        .join('\n')}\nrun \`npm run build\` first`,
    );
  }
}

/** Names for this run only, so it never meets another run's (or the dev platform's) data. */
export function benchNamespace(label) {
  const id = `bench_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  return {
    id,
    subjectPrefix: `${id}.`,
    /** JetStream stream names: the bus replaces the prefix's dot with `_`. */
    streamNamePrefix: `${id}_`,
    redisKeyPrefix: `${id}:`,
    schemaFor: (service) => `${id}_${service.replace(/-/g, '_')}`,
  };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Applies a service's real migrations into a fresh schema; returns the schema's drop. */
export async function migrateSchema(service, databaseUrl, schema) {
  const db = requireFromRoot('@conduit/db');
  await db.ensureDatabase(databaseUrl);
  await db.applyMigrations({
    prismaDir: join(REPO_ROOT, 'services', service, 'prisma'),
    databaseUrl,
    schema,
  });
  return () => db.dropSchema(databaseUrl, schema);
}

/**
 * Gives a benchmark its namespace: the JetStream streams and Redis keys under it are removed at cleanup
 * (registered first, so they run last, after the processes that use them have stopped), and each
 * service's schema is migrated now and dropped at cleanup. Resolves with each service's schema.
 */
export async function prepareNamespace({ infra, ns, cleanup, log }, services) {
  cleanup.add('JetStream streams', () => deleteJetStreamStreams(infra.natsUrl, ns.streamNamePrefix));
  cleanup.add('Redis keys', () => deleteRedisKeys(infra.redisUrl, ns.redisKeyPrefix));
  const schemas = Object.fromEntries(services.map((service) => [service, ns.schemaFor(service)]));
  for (const service of services) {
    log(`migrating ${service} into schema ${schemas[service]}`);
    cleanup.add(`drop schema ${schemas[service]}`, () =>
      requireFromRoot('@conduit/db').dropSchema(infra.databaseUrl, schemas[service]),
    );
    await migrateSchema(service, infra.databaseUrl, schemas[service]);
  }
  return schemas;
}

/** VmRSS of a process in bytes, from /proc (Linux). */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new HarnessError(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

/** User + system CPU time a process has used so far, in ms (10 ms resolution), from /proc. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Write system calls (write, writev, send...) a process has made so far, from /proc (Linux). */
export function writeSyscalls(pid) {
  const match = /^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!match) throw new HarnessError(`no syscw for pid ${pid}`);
  return Number(match[1]);
}

/**
 * Runs `services/<name>/dist/main.js` in its own process and resolves once /readyz answers 200.
 * `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startService(name, env, { nodeArgs = [], readyTimeoutMs = 30_000 } = {}) {
  const port = Number(env.PORT) || (await freePort());
  const child = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'services', name, 'dist', 'main.js')], {
    cwd: REPO_ROOT,
    // METRICS_PORT 0: a benchmark never collides with a running platform's fixed metrics ports.
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const remember = (chunk) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const exitStatus = () => (alive() ? 'running' : `exit code ${child.exitCode}, signal ${child.signalCode}`);
  const service = {
    name,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    pid: child.pid,
    alive,
    exitStatus,
    output: () => lines.join('\n'),
    async stop(timeoutMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  await waitUntilReady({
    label: name,
    url: `${service.baseUrl}/readyz`,
    alive,
    output: service.output,
    stop: () => service.stop(1_000),
    timeoutMs: readyTimeoutMs,
  });
  return service;
}

/**
 * Polls `url` until it answers 2xx. Throws (after `stop()`) when the process exits first or the time
 * runs out, with its output for the reason.
 */
export async function waitUntilReady({ label, url, alive, output, stop, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new HarnessError(`${label} exited during start-up:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new HarnessError(`${label} was not ready within ${timeoutMs} ms:\n${output()}`);
}

/** Deletes every Redis key under the prefix. */
export async function deleteRedisKeys(redisUrl, prefix) {
  const Redis = requireFromRoot('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Deletes the JetStream streams the services created under this run's prefix. */
export async function deleteJetStreamStreams(natsUrl, namePrefix) {
  const { connect } = requireFromRoot('nats');
  const nc = await connect({ servers: natsUrl.split(',').map((s) => s.trim()), name: 'bench-cleanup' });
  try {
    const manager = await nc.jetstreamManager();
    const names = [];
    for await (const info of manager.streams.list()) {
      if (info.config.name.startsWith(namePrefix)) names.push(info.config.name);
    }
    for (const name of names) await manager.streams.delete(name);
    return names;
  } finally {
    await nc.close();
  }
}

/**
 * Cleanup steps run last-in first-out, each one even if an earlier one failed; safe to call twice
 * (a signal during a normal shutdown).
 */
export function createCleanup() {
  const steps = [];
  let running = null;
  return {
    add(label, step) {
      steps.push({ label, step });
    },
    run() {
      running ??= (async () => {
        const problems = [];
        while (steps.length > 0) {
          const { label, step } = steps.pop();
          try {
            await step();
          } catch (error) {
            problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        return problems;
      })();
      return running;
    },
  };
}
