#!/usr/bin/env node
// npm run bench -- batches [--lines 200] [--tokens 20] [--interval-ms 5] [--levels 1,8,32]
//
// Throughput of batch completions (POST /v1/files + /v1/batches, lines run by media-gen through the chat
// service) against the baseline measured in the same run: the same lines sent as /v1/chat/completions
// requests through the gateway by a client keeping as many in flight as the batch runs at once. Both paths
// end at the same fake OpenAI server (its own process) behind chat; the batch path adds the durable
// machinery (a JetStream message, one row per line written as it finishes, the output file).
//
// Runs the built services (`npm run build` first) against the local NATS/Postgres/Redis on a namespace of
// its own, removed at the end. Exits 0 whatever the figures, non-zero when the harness itself fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cycle, registerUsers, startChatPlatform, startFakeOpenAiProcess } from './lib/chat-platform.mjs';
import {
  describeMachine,
  logger,
  optionsOrExit,
  parseFlags,
  parseLevels,
  pool,
  postJson,
  runBenchmark,
  sleep,
} from './lib/harness.mjs';
import { HarnessError, prepareNamespace, startService } from './lib/platform.mjs';
import { table } from './lib/stats.mjs';

const HELP = `npm run bench -- batches [flags]   (each flag also as env BENCH_<NAME>)
  --lines N         requests per batch, and per baseline run (default 200)
  --tokens N        tokens per answer from the fake provider (default 20)
  --interval-ms N   the fake provider's pacing before each token (default 5)
  --levels L        lines in flight at once (MEDIA_BATCH_LINE_CONCURRENCY and the baseline's
                    concurrency), comma separated (default 1,8,32)`;

const NAME = 'batches';
const log = logger(NAME);
const MODEL = 'openai/gpt-4o-mini';

function parseOptions(argv) {
  const options = parseFlags(
    argv,
    { lines: { default: 200, min: 1 }, tokens: { default: 20, min: 1 }, 'interval-ms': 5, levels: '1,8,32' },
    HELP,
  );
  return { ...options, levels: parseLevels(options.levels), loadBefore: loadavg() };
}

const requestBody = (i) => ({
  model: MODEL,
  messages: [{ role: 'user', content: `Say something (${i}).` }],
});

/** The baseline, spread over many accounts so none meets the gateway's per-user request limits. */
async function directRun(gateway, nextToken, lines, concurrency) {
  const started = performance.now();
  await pool(lines, concurrency, (i) =>
    postJson(`${gateway.baseUrl}/v1/chat/completions`, requestBody(i), nextToken()),
  );
  return performance.now() - started;
}

async function batchRun(gateway, accessToken, lines) {
  const jsonl = Array.from({ length: lines }, (_, i) =>
    JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: requestBody(i) }),
  ).join('\n');
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([jsonl]), 'bench.jsonl');
  const uploaded = await fetch(`${gateway.baseUrl}/v1/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
    body: form,
  });
  if (uploaded.status !== 200)
    throw new HarnessError(`upload answered ${uploaded.status}: ${await uploaded.text()}`);
  const file = await uploaded.json();
  const started = performance.now();
  const created = await postJson(
    `${gateway.baseUrl}/v1/batches`,
    { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' },
    accessToken,
  );
  const deadline = Date.now() + 600_000;
  for (;;) {
    const response = await fetch(`${gateway.baseUrl}/v1/batches/${created.id}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const batch = await response.json();
    if (['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) {
      const elapsed = performance.now() - started;
      if (batch.status !== 'completed' || batch.request_counts.completed !== lines)
        throw new HarnessError(`the batch ended ${batch.status}: ${JSON.stringify(batch.request_counts)}`);
      return elapsed;
    }
    if (Date.now() > deadline) throw new HarnessError(`the batch did not finish: ${JSON.stringify(batch)}`);
    await sleep(25);
  }
}

async function run(options, { infra, ns, cleanup }) {
  const fake = await startFakeOpenAiProcess(options);
  cleanup.add('fake OpenAI', () => fake.stop());
  const { gateway, assertAlive } = await startChatPlatform({ infra, ns, cleanup, log, fake });
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['media-gen']);
  const storageDir = mkdtempSync(join(tmpdir(), 'bench-batches-'));
  cleanup.add('media storage', () => rmSync(storageDir, { recursive: true, force: true }));
  const tokens = await registerUsers(gateway, ns, 20);
  const nextToken = cycle(tokens);
  const accessToken = tokens[0];
  const rows = [];
  for (const level of options.levels) {
    log(`level ${level}: starting media-gen`);
    const mediaGen = await startService('media-gen', {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: ns.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: schemas['media-gen'],
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: ns.redisKeyPrefix,
      MEDIA_STORAGE_DIR: storageDir,
      MEDIA_URL_SECRET: `bench-media-url-secret-${'x'.repeat(32)}`,
      MEDIA_BATCH_LINE_CONCURRENCY: String(level),
    });
    try {
      // Warm both paths (connections, JIT) with a tenth of the lines, then measure each once.
      const warm = Math.max(1, Math.ceil(options.lines / 10));
      await directRun(gateway, nextToken, warm, level);
      await batchRun(gateway, accessToken, warm);
      log(`level ${level}: ${options.lines} lines each way`);
      const directMs = await directRun(gateway, nextToken, options.lines, level);
      const batchMs = await batchRun(gateway, accessToken, options.lines);
      assertAlive();
      rows.push({ level, directMs, batchMs });
    } finally {
      await mediaGen.stop();
    }
  }
  const perSecond = (ms) => ((options.lines / ms) * 1000).toFixed(1);
  console.log(
    `batches: ${options.lines} lines, ${options.tokens} tokens per answer at ${options.intervalMs} ms each, model ${MODEL}`,
  );
  console.log(
    table(
      ['in flight', 'direct req/s', 'batch lines/s', 'batch/direct', 'direct total', 'batch total'],
      rows.map(({ level, directMs, batchMs }) => [
        level,
        perSecond(directMs),
        perSecond(batchMs),
        (directMs / batchMs).toFixed(2),
        `${(directMs / 1000).toFixed(2)} s`,
        `${(batchMs / 1000).toFixed(2)} s`,
      ]),
    ),
  );
  console.log(describeMachine(options.loadBefore));
}

const options = optionsOrExit(NAME, () => parseOptions(process.argv.slice(2)));
runBenchmark(NAME, (context) => run(options, context));
