#!/usr/bin/env node
// Starts the whole platform locally: applies migrations, then runs every service and the gateway as
// child processes with their output prefixed, on offline defaults unless the environment says otherwise.
// Ctrl-C (or SIGTERM) stops them all gracefully.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const defaults = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/conduit',
  REDIS_URL: 'redis://127.0.0.1:6379',
  LOG_LEVEL: 'info',
};
const env = { ...defaults, ...process.env };

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

const migrate = spawnSync(
  process.execPath,
  [join(root, 'libs/db/dist/cli.js'), 'migrate', 'deploy', ...dataServices],
  {
    env,
    stdio: 'inherit',
  },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const colors = [36, 35, 33, 32, 34, 31, 90];
const children = services.map((name, i) => {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', join(root, 'services', name, 'dist', 'main.js')],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const prefix = `\x1b[${colors[i % colors.length]}m${name.padEnd(12)}\x1b[0m| `;
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${prefix}exited (${signal ?? code})`);
    if (!stopping) stop(code || 1);
  });
  return child;
});

console.log(
  `started ${services.join(', ')}; gateway on http://127.0.0.1:${env.PORT ?? 3000} (Ctrl-C stops everything)`,
);

let stopping = false;
function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const force = setTimeout(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')), 30_000);
  force.unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(
    () => process.exit(exitCode),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
