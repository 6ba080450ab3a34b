#!/usr/bin/env node
// Starts the whole platform locally (`npm start`): builds, applies migrations, then runs every service
// and the gateway as child processes, on offline defaults unless the environment says otherwise.
// It stays quiet: one line per step and one per service once its /readyz answers, then only what the
// services log at warn or above (set LOG_LEVEL, e.g. LOG_LEVEL=info, to see everything at that level).
// Ctrl-C (or SIGTERM) stops them all gracefully. `--no-build` skips the build.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 120_000;
const WARN_LEVEL = 40; // pino's numeric level for warn
const LEVEL_NAMES = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const userLogLevel = process.env.LOG_LEVEL;
const env = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/conduit',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ...localMasterKeys(),
  ...process.env,
  // Services announce their port at info when they listen; what is shown is filtered here instead.
  LOG_LEVEL: userLogLevel ?? 'info',
};
const gatewayPort = env.PORT ?? '3000';

/**
 * The master keys of the services that encrypt users' secrets (agents, health-data) for this checkout,
 * unless the environment names them: each made at random on the first start and kept in
 * data/<service>-master-key (readable by this user only), so secrets stored by one start can be read by
 * the next, and no two machines share a key.
 */
function localMasterKeys() {
  const keys = {};
  for (const [prefix, name] of [
    ['AGENTS', 'agents'],
    ['HEALTH', 'health'],
  ]) {
    if (process.env[`${prefix}_MASTER_KEY`] || process.env[`${prefix}_INSECURE_DEV_MASTER_KEY`]) continue;
    const file = join(root, 'data', `${name}-master-key`);
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    }
    keys[`${prefix}_MASTER_KEY`] = readFileSync(file, 'utf8').trim();
  }
  return keys;
}

if (!process.argv.includes('--no-build')) {
  const started = Date.now();
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, env, encoding: 'utf8' });
  if (build.status !== 0) {
    process.stdout.write(build.stdout + build.stderr);
    console.error('build failed');
    process.exit(build.status ?? 1);
  }
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Services in start order; the gateway last, so its readiness means the platform is up. */
const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'dist', 'main.js')))
  .sort((a, b) => (a === 'gateway') - (b === 'gateway') || a.localeCompare(b));
const dataServices = services.filter((name) =>
  existsSync(join(root, 'services', name, 'prisma', 'schema.prisma')),
);

if (services.length === 0) {
  console.error('No built services found: run `npm run build` first (npm start does this for you).');
  process.exit(1);
}

// One line per service: "chat (schema chat): up to date".
const migrate = spawnSync(
  process.execPath,
  [join(root, 'libs/db/dist/cli.js'), 'migrate', 'deploy', ...dataServices],
  { env, stdio: 'inherit' },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const colors = process.stdout.isTTY ? [36, 35, 33, 32, 34, 31, 90] : [];
let stopping = false;
const children = services.map((name, i) => startService(name, colors[i % colors.length]));

function startService(name, color) {
  // PORT is the gateway's; another service takes <NAME>_PORT (CHAT_PORT) if set, else its own default.
  // Likewise <NAME>_METRICS_PORT (GATEWAY_METRICS_PORT, CHAT_METRICS_PORT) for each one's /metrics.
  const serviceEnv = { ...env };
  delete serviceEnv.PORT;
  delete serviceEnv.METRICS_PORT;
  const envName = name.toUpperCase().replace(/-/g, '_');
  const ownPort = env[`${envName}_PORT`];
  if (ownPort !== undefined) serviceEnv.PORT = ownPort;
  const ownMetricsPort = env[`${envName}_METRICS_PORT`];
  if (ownMetricsPort !== undefined) serviceEnv.METRICS_PORT = ownMetricsPort;
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', join(root, 'services', name, 'dist', 'main.js')],
    {
      env: name === 'gateway' ? { ...serviceEnv, PORT: gatewayPort } : serviceEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const prefix = color ? `\x1b[${color}m${name.padEnd(12)}\x1b[0m| ` : `${name.padEnd(12)}| `;
  const hidden = []; // the latest lines not shown, for when the service fails or never gets ready
  let listening = false;
  let ready = false;
  const onLine = (line) => {
    const entry = parseLogLine(line);
    // A service says where it listens (`{"port":…,"msg":"<name> ready"}`) once; /readyz decides the rest.
    if (entry !== null && typeof entry.port === 'number' && !listening) {
      listening = true;
      void waitUntilReady(entry.port).then((ok) => {
        if (!ok || stopping) return;
        ready = true;
        console.log(`${prefix}ready ${describe(name, entry.port, entry.metricsPort)}`);
        if (children.every((c) => c.ready())) {
          console.log(`all ${children.length} services ready; Ctrl-C stops everything`);
        }
      });
    }
    if (userLogLevel !== undefined || entry === null || entry.level >= WARN_LEVEL) {
      process.stdout.write(prefix + (entry === null ? line : formatEntry(entry)) + '\n');
    } else {
      hidden.push(line);
      if (hidden.length > 30) hidden.shift();
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
  const timer = setTimeout(() => {
    if (ready || stopping) return;
    console.log(`${prefix}not ready after ${READY_TIMEOUT_MS / 1000} s; its latest info lines:`);
    for (const line of hidden) console.log(prefix + line);
  }, READY_TIMEOUT_MS);
  timer.unref();
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.log(`${prefix}exited (${signal ?? code}); its latest info lines:`);
      for (const line of hidden) console.log(prefix + line);
      stop(code || 1);
    }
  });
  return { child, ready: () => ready };
}

function describe(name, port, metricsPort) {
  return name === 'gateway'
    ? `on http://127.0.0.1:${port} (API docs at /docs, metrics on :${metricsPort})`
    : `(health on :${port}, metrics on :${metricsPort})`;
}

async function waitUntilReady(port) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return true;
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function parseLogLine(line) {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line);
    return typeof entry.level === 'number' ? entry : null;
  } catch {
    return null;
  }
}

/** `WARN message {other fields}`: the level and message first, without pino's bookkeeping fields. */
function formatEntry(entry) {
  const rest = { ...entry };
  for (const key of ['level', 'msg', 'time', 'pid', 'hostname', 'service']) delete rest[key];
  const { level, msg } = entry;
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${LEVEL_NAMES[level] ?? level} ${msg ?? ''}${fields}`;
}

function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  const running = children.map((c) => c.child).filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  const force = setTimeout(() => running.forEach((c) => c.exitCode === null && c.kill('SIGKILL')), 30_000);
  force.unref();
  Promise.all(running.map((c) => new Promise((resolve) => c.once('exit', resolve)))).then(() =>
    process.exit(exitCode),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
