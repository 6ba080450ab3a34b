// What every benchmark script does around its measurements: flags, the run's lifecycle (namespace,
// cleanup on exit or Ctrl-C, exit codes), and small helpers for driving load.
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import {
  benchNamespace,
  createCleanup,
  HarnessError,
  infraFromEnv,
  REPO_ROOT,
  requireBuilt,
} from './platform.mjs';

/**
 * `--name value` / `--name=value` flags, each also readable as env `BENCH_<NAME>`. `spec` maps a flag
 * to its default (a number for integer flags, with `min` 0 unless given as `{ default, min }`, or a
 * string / null for free-form ones).
 */
export function parseFlags(argv, spec, help) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(help);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new HarnessError(`unexpected argument "${arg}"\n${help}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new HarnessError(`${arg} needs a value`);
      flags[arg.slice(2)] = value;
      i++;
    }
  }
  for (const key of Object.keys(flags)) {
    if (!(key in spec)) throw new HarnessError(`unknown flag --${key}\n${help}`);
  }
  const options = {};
  for (const [name, entry] of Object.entries(spec)) {
    const { default: fallback, min = 0 } =
      entry !== null && typeof entry === 'object' ? entry : { default: entry };
    const raw = flags[name] ?? process.env[`BENCH_${name.replace(/-/g, '_').toUpperCase()}`] ?? fallback;
    const key = name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
    if (typeof fallback === 'number') {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min)
        throw new HarnessError(`--${name} must be an integer ≥ ${min}`);
      options[key] = value;
    } else options[key] = raw;
  }
  return options;
}

/** Runs a benchmark's option parsing; bad flags end the process with the message and exit code 2. */
export function optionsOrExit(name, parse) {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    console.error(`[${name}] ${error.message}`);
    process.exit(2);
  }
}

/** A comma-separated list of concurrency levels. */
export function parseLevels(text, flag = '--levels') {
  const levels = String(text)
    .split(',')
    .map((s) => Number(s.trim()));
  if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 1 || l > 1000))
    throw new HarnessError(`${flag}: integers 1..1000`);
  return levels;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i in 0..count-1 with at most `limit` at a time. */
export async function pool(count, limit, task) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Target names in a different order each round (a rotation), so none always goes first or last. */
export function rotation(names, round) {
  const shift = round % names.length;
  const rotated = [...names.slice(shift), ...names.slice(0, shift)];
  // Every other cycle runs backwards too, so no target always follows the same other one.
  return Math.floor(round / names.length) % 2 === 0 ? rotated : rotated.reverse();
}

export async function postJson(url, body, accessToken) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300)
    throw new HarnessError(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Which code is being measured: the commit, and whether services/ or libs/ differ from it. */
export function describeBuild() {
  const git = (...args) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'not a git checkout';
  const dirty = git('status', '--porcelain', '--', 'services', 'libs')
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  const built = statSync(join(REPO_ROOT, 'services/gateway/dist/main.js')).mtime.toISOString();
  return `commit ${head.stdout.trim()}${dirty.length > 0 ? ` + ${dirty.length} uncommitted changes in services/ and libs/` : ''}, gateway built ${built}`;
}

export const describeLoad = (values = loadavg()) => values.map((l) => l.toFixed(2)).join(' ');

/** The machine line every report prints: cores, and the load at the start and the end. */
export function describeMachine(loadBefore) {
  return (
    `machine: ${cpus().length} cores, load average ${describeLoad(loadBefore)} at the start, ${describeLoad()} at the end ` +
    '(other work on the machine slows every path, the multi-process ones more).'
  );
}

export const logger = (name) => (message) => process.stderr.write(`[${name}] ${message}\n`);

/**
 * The lifecycle of a benchmark: checks the build, makes a namespace, runs `body({ infra, ns, cleanup, log })`
 * and always cleans up (also on Ctrl-C). Exits 0 when the body returns (targets met or not), 1 when the
 * harness fails, 130 when interrupted. `after()` runs once the cleanup is done.
 */
export function runBenchmark(name, body, { after } = {}) {
  const log = logger(name);
  const main = async () => {
    requireBuilt({
      services: ['gateway', 'chat'],
      libs: ['contracts', 'bus', 'service-kit', 'db', 'testing'],
    });
    const infra = infraFromEnv();
    const ns = benchNamespace(name);
    const cleanup = createCleanup();
    let interrupted = false;
    const onSignal = (signal) => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: cleaning up`);
      void cleanup.run().then(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const startedAt = performance.now();
    log(`measuring ${describeBuild()}; load average ${describeLoad()}`);
    log(
      `namespace ${ns.id}; NATS ${infra.natsUrl}, Postgres ${infra.databaseUrl.replace(/\/\/[^@]*@/, '//')}, Redis ${infra.redisUrl}`,
    );
    try {
      await body({ infra, ns, cleanup, log });
    } finally {
      log('cleaning up');
      const problems = await cleanup.run();
      for (const problem of problems) log(`cleanup problem: ${problem}`);
      log(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    }
    if (after) await after();
  };
  main().then(
    () => process.exit(0),
    (error) => {
      const detail =
        error instanceof HarnessError
          ? `harness error: ${error.message}`
          : `unexpected error: ${error instanceof Error ? error.stack : String(error)}`;
      console.error(`[${name}] ${detail}`);
      process.exit(1);
    },
  );
}

/**
 * A helper process that prints one JSON line when it is ready and exits when its stdin closes (see
 * lib/fake-openai-process.mjs). Resolves with that line's fields plus `pid`, `alive()` and `stop()`.
 */
export async function startLineProcess(script, args, label) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new HarnessError(`${label} exited (${code}) before it was ready`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    ...JSON.parse(first),
    pid: child.pid,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
