// The platform's chat path as the benchmarks run it: a fake OpenAI server in its own process, the
// gateway and one chat replica (built code) on a namespace of the local NATS/Postgres/Redis, and
// accounts to spread the load over. Everything it starts is registered for cleanup.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startLineProcess, pool, postJson } from './harness.mjs';
import { HarnessError, prepareNamespace, REPO_ROOT, startService } from './platform.mjs';

export const FAKE_API_KEY = 'sk-bench-fake-provider-key';
const JWT_SECRET = `bench-jwt-secret-${'x'.repeat(40)}`;

/**
 * The fake OpenAI server (lib/fake-openai-process.mjs): `{ url, origin, pid, alive, stop }`. `firstTokenMs`
 * is its fixed wait before an answer's first token (default: the token interval).
 */
export function startFakeOpenAiProcess({ tokens, intervalMs, firstTokenMs }) {
  return startLineProcess(
    join(REPO_ROOT, 'tools/bench/lib/fake-openai-process.mjs'),
    [
      `--tokens=${tokens}`,
      `--interval-ms=${intervalMs}`,
      `--api-key=${FAKE_API_KEY}`,
      ...(firstTokenMs === undefined ? [] : [`--first-token-ms=${firstTokenMs}`]),
    ],
    'the fake OpenAI server',
  );
}

/**
 * Node flags for the services: `--cpu-prof` into `cpuProfDir`, and the probe preload (timeline into
 * `${probeFile}.d`). Returns the flags and the env the probe reads.
 */
export function diagnosticsFor({ cpuProfDir = null, probeFile = null }) {
  const nodeArgs = [];
  const env = {};
  if (cpuProfDir) {
    mkdirSync(cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  }
  if (probeFile || cpuProfDir) {
    // Also needed for --cpu-prof: it turns Nest's re-raised SIGTERM into an exit that writes the profile.
    nodeArgs.push('--require', join(REPO_ROOT, 'tools/bench/lib/probe.cjs'));
  }
  if (probeFile) {
    env.BENCH_PROBE_DIR = `${probeFile}.d`;
    rmSync(env.BENCH_PROBE_DIR, { recursive: true, force: true });
    mkdirSync(env.BENCH_PROBE_DIR, { recursive: true });
  }
  return { nodeArgs, env };
}

/**
 * Migrates, then starts the usage service (chat meters its completions against it), chat (pointed at
 * `fake`) and the gateway. Resolves with chat, the gateway and `assertAlive()`, which throws if any of
 * them (or the fake) has died.
 */
export async function startChatPlatform({
  infra,
  ns,
  cleanup,
  log,
  fake,
  diagnostics = { nodeArgs: [], env: {} },
  readyTimeoutMs = 30_000,
}) {
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['gateway', 'chat', 'usage']);
  const common = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    LOG_LEVEL: 'warn',
    ...diagnostics.env,
  };
  const { nodeArgs } = diagnostics;
  const startOptions = { nodeArgs, readyTimeoutMs };
  log('starting usage');
  const usage = await startService('usage', { ...common, DATABASE_SCHEMA: schemas.usage }, startOptions);
  cleanup.add('usage', () => usage.stop());
  log('starting chat');
  const chat = await startService(
    'chat',
    {
      ...common,
      DATABASE_SCHEMA: schemas.chat,
      OPENAI_API_KEY: FAKE_API_KEY,
      OPENAI_BASE_URL: fake.url,
      CHAT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      BENCH_PROBE_NAME: 'chat',
    },
    startOptions,
  );
  cleanup.add('chat', () => chat.stop());
  log('starting gateway');
  const gateway = await startService(
    'gateway',
    {
      ...common,
      DATABASE_SCHEMA: schemas.gateway,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: ns.redisKeyPrefix,
      JWT_SECRET,
      // Every benchmark account signs up from loopback; the per-address sign-up limit is for the internet.
      AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: '0',
      BENCH_PROBE_NAME: 'gateway',
    },
    startOptions,
  );
  cleanup.add('gateway', () => gateway.stop());
  const assertAlive = () => {
    for (const service of [usage, chat, gateway]) {
      if (!service.alive())
        throw new HarnessError(
          `${service.name} died during the benchmark (${service.exitStatus()}):\n${service.output()}`,
        );
    }
    if (!fake.alive()) throw new HarnessError('the fake OpenAI server died during the benchmark');
  };
  return { chat, gateway, assertAlive };
}

/**
 * Registers `count` accounts and returns their access tokens. Many users, as in production: each stays
 * within the gateway's per-user limits (concurrent streams, requests per minute), so a benchmark
 * measures the relay and not the rate limiter refusing one user's hundreds of streams.
 */
export function registerUsers(gateway, ns, count) {
  return pool(count, 4, async (i) => {
    const user = await postJson(`${gateway.baseUrl}/api/v1/auth/register`, {
      email: `bench-${ns.id}-${i}@example.test`,
      password: 'correct horse battery staple',
    });
    return user.accessToken;
  });
}

/** Round-robin over a list: `next()` gives the following item each call. */
export function cycle(items) {
  let cursor = 0;
  return () => items[cursor++ % items.length];
}
