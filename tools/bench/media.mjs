#!/usr/bin/env node
// npm run bench -- media [--jobs N] [--clients K] [--rate R] [--rate-jobs M] [...]
//
// Image jobs end to end on the built platform: the usage service, TWO media-gen replicas sharing the job
// stream's durable consumer (MEDIA_OFFLINE_IMAGES=fixed: the offline provider answers at once with a
// fixed 1x1 PNG, so the job path is measured, not drawing) and the gateway. Jobs are submitted through
// the gateway (POST /api/v1/media/images, its per-user rate limit switched off for the run):
//   - throughput: N jobs from K concurrent clients as fast as the gateway takes them; jobs/s from the
//     first job's acceptance to the last one's end (Postgres timestamps). Once a third of them have
//     finished, replica 1 is killed with SIGKILL and started again;
//   - checks: every job succeeded, with exactly one stored result, one file and one usage record;
//   - queue wait below saturation: M jobs submitted at a steady R jobs/s (open loop), and the time from
//     a job's acceptance to a worker starting it (jobs.created_at → jobs.started_at) at p50/p99.
// Prints PASS/FAIL for the targets (≥ 200 jobs/s; queue wait p99 ≤ 50 ms below saturation). Exits 0
// whether or not they are met.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  describeMachine,
  optionsOrExit,
  parseFlags,
  pool,
  postJson,
  runBenchmark,
  sleep,
} from './lib/harness.mjs';
import { startMediaPlatform } from './lib/media-platform.mjs';
import { HarnessError, requireBuilt, requireFromRoot } from './lib/platform.mjs';
import { cpuMsBetween, cpuMsOfPids, pidsNamed, postgresBackendPids } from './lib/process-cpu.mjs';
import { fmtMs, percentile, table } from './lib/stats.mjs';

const HELP = `npm run bench -- media [flags]   (each flag also as env BENCH_<NAME>)
  --jobs N           jobs in the throughput run (default 3000)
  --clients K        concurrent submitting clients in the throughput run (default 32)
  --users U          accounts the jobs are spread over (default 8)
  --concurrency C    MEDIA_WORKER_CONCURRENCY of each replica (default 16)
  --rate R           jobs/s of the steady run, below saturation (default 100)
  --rate-jobs M      jobs in the steady run (default 1500)
  --no-kill 1        do not kill a replica during the throughput run (default 0)
  --timeout-s N      how long the jobs of one run may take to finish (default 300)
  --cpu-prof DIR     write V8 CPU profiles of the gateway, the usage service and the replicas into DIR,
                     with DIR/window.json saying when the throughput and steady runs ran (summarise
                     them with node tools/bench/lib/cpu-profile-summary.mjs DIR)`;

const TARGET_JOBS_PER_S = 200;
const TARGET_QUEUE_WAIT_P99_MS = 50;
const ACK_WAIT_MS = 3_000;
const log = (message) => process.stderr.write(`[media] ${message}\n`);
/** The CPU profiles' clock (CLOCK_MONOTONIC, µs), for the window the summary counts. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function parseOptions(argv) {
  return {
    ...parseFlags(
      argv,
      {
        jobs: { default: 3000, min: 1 },
        clients: { default: 32, min: 1 },
        users: { default: 8, min: 1 },
        concurrency: { default: 16, min: 1 },
        rate: { default: 100, min: 1 },
        'rate-jobs': { default: 1500, min: 1 },
        'no-kill': 0,
        'timeout-s': { default: 300, min: 1 },
        'cpu-prof': null,
      },
      HELP,
    ),
    loadBefore: loadavg(),
  };
}

/** The media-gen schema, read straight from Postgres: the jobs' own timestamps are the measurement. */
function jobsDb(pg, schema) {
  const q = (sql, params) => pg.query(sql.replaceAll('$S', `"${schema}"`), params);
  return {
    async statusCounts(ids) {
      const { rows } = await q(
        `SELECT status, count(*)::int AS n FROM $S.jobs WHERE id = ANY($1::uuid[]) GROUP BY status`,
        [ids],
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    },
    async timings(ids) {
      const { rows } = await q(
        `SELECT id, attempts,
           extract(epoch FROM created_at) * 1000 AS created,
           extract(epoch FROM started_at) * 1000 AS started,
           extract(epoch FROM finished_at) * 1000 AS finished
         FROM $S.jobs WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      return rows.map((row) => ({
        id: row.id,
        attempts: row.attempts,
        created: Number(row.created),
        started: Number(row.started),
        finished: Number(row.finished),
      }));
    },
    async resultCounts(ids) {
      const { rows } = await q(
        `SELECT count(*)::int AS rows, count(DISTINCT job_id)::int AS jobs FROM $S.job_results WHERE job_id = ANY($1::uuid[])`,
        [ids],
      );
      return rows[0];
    },
  };
}

async function usageRecords(pg, schema, ids) {
  const { rows } = await pg.query(
    `SELECT count(*)::int AS rows, count(DISTINCT reference)::int AS jobs FROM "${schema}".usage_records
     WHERE service = 'media-gen' AND reference = ANY($1::text[])`,
    [ids],
  );
  return rows[0];
}

/** Stored files, and `.partial` ones a replica killed mid-write left behind (never read, never served). */
function countFiles(dir) {
  let files = 0;
  let partial = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    if (entry.name.endsWith('.partial')) partial++;
    else files++;
  }
  return { files, partial };
}

async function waitUntil(check, what, timeoutMs, assertAlive) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertAlive();
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new HarnessError(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Submits one job as a careful client does: with an Idempotency-Key, sent again after a 5xx (a create
 * that went to the replica killed mid-run times out at the gateway), so a retry never makes a second job.
 */
async function submit(gateway, token, prompt) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${gateway.baseUrl}/api/v1/media/images`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'idempotency-key': prompt.replace(/[^A-Za-z0-9-]/g, '-'),
      },
      body: JSON.stringify({ prompt, size: '256x256' }),
    });
    const text = await response.text();
    if (response.status === 202) {
      if (attempt > 1) retriedSubmits++;
      return JSON.parse(text).jobId;
    }
    if (response.status < 500 || attempt === 3)
      throw new HarnessError(`POST /api/v1/media/images answered ${response.status}: ${text.slice(0, 300)}`);
  }
}
let retriedSubmits = 0;

/** Every job finished (succeeded or not); resolves with the status counts. */
function allFinished(db, ids, options, assertAlive, onProgress = () => undefined) {
  return waitUntil(
    async () => {
      const counts = await db.statusCounts(ids);
      const finished = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
      await onProgress(counts.succeeded ?? 0);
      return finished === ids.length ? counts : null;
    },
    `${ids.length} jobs to finish`,
    options.timeoutS * 1000,
    assertAlive,
  );
}

async function throughputRun({ platform, db, tokens, options }) {
  const { gateway, assertAlive } = platform;
  const ids = [];
  let kill = null;
  const submittedAt = performance.now();
  const submitting = pool(options.jobs, options.clients, async (i) => {
    ids.push(await submit(gateway, tokens[i % tokens.length], `throughput ${i}`));
  });
  // Kill replica 1 once a third of the jobs are done, while jobs are still being submitted and run.
  const watchKill = async () => {
    if (options.noKill) return;
    await waitUntil(
      async () => ids.length > 0 && ((await db.statusCounts(ids)).succeeded ?? 0) >= options.jobs / 3,
      'a third of the jobs done',
      options.timeoutS * 1000,
      assertAlive,
    );
    const at = performance.now();
    const done = (await db.statusCounts(ids)).succeeded ?? 0;
    await platform.killReplica(1);
    log(`killed replica 1 (SIGKILL) with ${done} jobs done`);
    await platform.restartReplica(1);
    kill = { doneBefore: done, downSeconds: (performance.now() - at) / 1000 };
    log(`replica 1 back after ${kill.downSeconds.toFixed(1)} s`);
  };
  await Promise.all([submitting, watchKill()]);
  const submitSeconds = (performance.now() - submittedAt) / 1000;
  log(`submitted ${ids.length} jobs in ${submitSeconds.toFixed(1)} s`);
  const counts = await allFinished(db, ids, options, assertAlive);
  const timings = await db.timings(ids);
  const first = Math.min(...timings.map((t) => t.created));
  const last = Math.max(...timings.map((t) => t.finished));
  return {
    ids,
    counts,
    timings,
    kill,
    submitPerS: ids.length / submitSeconds,
    seconds: (last - first) / 1000,
    jobsPerS: ids.length / ((last - first) / 1000),
  };
}

async function steadyRun({ platform, db, tokens, options }) {
  const { gateway, assertAlive } = platform;
  const ids = [];
  const submissions = [];
  let late = 0;
  const start = performance.now() + 100;
  // Open loop: job i goes at start + i/R whatever happened to the others.
  for (let i = 0; i < options.rateJobs; i++) {
    const due = start + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    else if (wait < -20) late++;
    submissions.push(submit(gateway, tokens[i % tokens.length], `steady ${i}`).then((id) => ids.push(id)));
  }
  await Promise.all(submissions);
  const offeredPerS = options.rateJobs / ((performance.now() - start) / 1000);
  await allFinished(db, ids, options, assertAlive);
  const timings = await db.timings(ids);
  return { ids, timings, late, offeredPerS };
}

async function checkOutcome({ platform, db, pg, ids }) {
  const counts = await db.statusCounts(ids);
  const results = await db.resultCounts(ids);
  // The ledger is written from the usage stream shortly after each job: wait until it has them all.
  let usage = await usageRecords(pg, platform.schemas.usage, ids);
  const deadline = Date.now() + 30_000;
  while (usage.jobs < ids.length && Date.now() < deadline) {
    await sleep(200);
    usage = await usageRecords(pg, platform.schemas.usage, ids);
  }
  return { counts, results, usage };
}

/**
 * CPU used so far by the platform's processes, by the Postgres backends serving them and by the NATS
 * server (the whole server: other work on the machine that uses it counts too).
 */
async function cpuSnapshot(platform, pg, natsPids) {
  return {
    processes: platform.cpuMsByProcess(),
    client: process.cpuUsage(),
    postgres: cpuMsOfPids(await postgresBackendPids(pg, platform.databaseApplicationPrefix)),
    nats: cpuMsOfPids(natsPids),
  };
}

/** ms of CPU per job of each process between two snapshots, as [name, ms/job] rows. */
function cpuPerJob(before, after, jobs) {
  const rows = Object.keys(after.processes).map((name) => [
    name,
    (after.processes[name] - (before.processes[name] ?? 0)) / jobs,
  ]);
  rows.push(['Postgres (its backends)', cpuMsBetween(before.postgres, after.postgres) / jobs]);
  rows.push(['nats-server (shared)', cpuMsBetween(before.nats, after.nats) / jobs]);
  rows.push(['total', rows.reduce((sum, [, ms]) => sum + ms, 0)]);
  const { user, system } = process.cpuUsage(before.client);
  rows.push(['(the benchmark itself: clients and checks)', (user + system) / 1000 / jobs]);
  return rows;
}

function cpuTable(throughput, steady) {
  return table(
    ['process', 'CPU ms/job, throughput run', 'CPU ms/job, steady run'],
    throughput.cpu.map(([name, ms], i) => [name, ms.toFixed(2), (steady.cpu[i]?.[1] ?? NaN).toFixed(2)]),
  );
}

function report({ throughput, steady, outcome, options, totalJobs }) {
  const { timings } = throughput;
  const redelivered = timings.filter((t) => t.attempts > 1).length;
  const wait = steady.timings.map((t) => t.started - t.created);
  const e2e = steady.timings.map((t) => t.finished - t.created);
  const burstWait = timings.map((t) => t.started - t.created);
  const lost = throughput.ids.length - (outcome.counts.succeeded ?? 0);
  const duplicatedResults = outcome.results.rows - outcome.results.jobs;
  const duplicatedUsage = outcome.usage.rows - outcome.usage.jobs;
  const missingUsage = throughput.ids.length - outcome.usage.jobs;
  const lines = [];
  lines.push('');
  lines.push(
    `media bench: 2 media-gen replicas × MEDIA_WORKER_CONCURRENCY ${options.concurrency}, fixed 1x1 PNG provider, ` +
      `jobs through the gateway (rate limit off), ${options.users} users`,
  );
  lines.push('');
  lines.push(
    table(
      [
        'run',
        'jobs',
        'jobs/s end to end',
        'submitted/s',
        'queue wait p50',
        'queue wait p99',
        'accept→done p50',
        'accept→done p99',
      ],
      [
        [
          `throughput, ${options.clients} clients${throughput.kill ? ', replica 1 killed' : ''}`,
          String(throughput.ids.length),
          throughput.jobsPerS.toFixed(0),
          throughput.submitPerS.toFixed(0),
          `${fmtMs(percentile(burstWait, 50))} ms`,
          `${fmtMs(percentile(burstWait, 99))} ms`,
          `${fmtMs(
            percentile(
              timings.map((t) => t.finished - t.created),
              50,
            ),
          )} ms`,
          `${fmtMs(
            percentile(
              timings.map((t) => t.finished - t.created),
              99,
            ),
          )} ms`,
        ],
        [
          `steady ${options.rate}/s (offered ${steady.offeredPerS.toFixed(0)}/s)`,
          String(steady.ids.length),
          '—',
          '—',
          `${fmtMs(percentile(wait, 50))} ms`,
          `${fmtMs(percentile(wait, 99))} ms`,
          `${fmtMs(percentile(e2e, 50))} ms`,
          `${fmtMs(percentile(e2e, 99))} ms`,
        ],
      ],
    ),
  );
  lines.push('');
  lines.push(cpuTable(throughput, steady));
  lines.push('');
  if (throughput.kill) {
    lines.push(
      `replica 1 killed (SIGKILL) after ${throughput.kill.doneBefore} jobs, back in ${throughput.kill.downSeconds.toFixed(1)} s; ` +
        `${redelivered} jobs delivered more than once (MEDIA_JOB_ACK_WAIT_MS ${ACK_WAIT_MS})`,
    );
  }
  lines.push(
    `throughput run: ${outcome.counts.succeeded ?? 0} of ${throughput.ids.length} succeeded (${JSON.stringify(outcome.counts)}); ` +
      `results ${outcome.results.rows} rows for ${outcome.results.jobs} jobs; usage records ${outcome.usage.rows} for ${outcome.usage.jobs} jobs; ` +
      `files stored ${outcome.files} (all ${totalJobs} jobs of the run), ${outcome.partial} partial files left by the killed replica`,
  );
  if (retriedSubmits > 0)
    lines.push(
      `${retriedSubmits} submissions answered 5xx once (sent to the killed replica) and were sent again with their Idempotency-Key`,
    );
  if (steady.late > 0)
    lines.push(`steady run: ${steady.late} submissions went out more than 20 ms late (load generator)`);
  lines.push(describeMachine(options.loadBefore));
  lines.push('');
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  const p99 = percentile(wait, 99);
  lines.push(
    `${verdict(throughput.jobsPerS >= TARGET_JOBS_PER_S)}  throughput ≥ ${TARGET_JOBS_PER_S} image jobs/s: ${throughput.jobsPerS.toFixed(0)}`,
  );
  lines.push(
    `${verdict(p99 <= TARGET_QUEUE_WAIT_P99_MS)}  queue wait p99 ≤ ${TARGET_QUEUE_WAIT_P99_MS} ms at ${options.rate} jobs/s: ${fmtMs(p99)} ms`,
  );
  lines.push(
    `${verdict(lost === 0 && duplicatedResults === 0 && outcome.results.jobs === throughput.ids.length)}  no job lost or with duplicated results: ` +
      `${lost} lost, ${duplicatedResults} duplicated`,
  );
  lines.push(
    `${verdict(missingUsage === 0 && duplicatedUsage === 0)}  exactly one usage record per job: ${missingUsage} missing, ${duplicatedUsage} duplicated`,
  );
  lines.push(
    `${verdict(outcome.files === totalJobs)}  one stored file per job: ${outcome.files} files for ${totalJobs} jobs`,
  );
  console.log(lines.join('\n'));
}

async function run(options, { infra, ns, cleanup }) {
  requireBuilt({ services: ['gateway', 'media-gen', 'usage'] });
  const platform = await startMediaPlatform({
    infra,
    ns,
    cleanup,
    log,
    replicas: 2,
    cpuProfDir: options.cpuProf ?? null,
    mediaEnv: {
      MEDIA_WORKER_CONCURRENCY: String(options.concurrency),
      // A killed replica's jobs come back this soon.
      MEDIA_JOB_ACK_WAIT_MS: String(ACK_WAIT_MS),
    },
  });
  const { Pool } = requireFromRoot('pg');
  const pg = new Pool({ connectionString: infra.databaseUrl, max: 2 });
  cleanup.add('bench Postgres pool', () => pg.end());
  const db = jobsDb(pg, platform.schemas['media-gen']);
  const tokens = await pool(options.users, 4, async (i) => {
    const user = await postJson(`${platform.gateway.baseUrl}/api/v1/auth/register`, {
      email: `bench-${ns.id}-${i}@example.test`,
      password: 'correct horse battery staple',
    });
    return user.accessToken;
  });

  log('warm-up: 200 jobs');
  const warm = await pool(200, 16, (i) =>
    submit(platform.gateway, tokens[i % tokens.length], `warm-up ${i}`),
  );
  await allFinished(db, warm, options, platform.assertAlive);

  const natsPids = pidsNamed('nats-server');
  const window = { fromUs: monotonicUs(), toUs: Number.POSITIVE_INFINITY };
  log(`throughput: ${options.jobs} jobs from ${options.clients} clients`);
  const cpuBeforeThroughput = await cpuSnapshot(platform, pg, natsPids);
  const throughput = await throughputRun({ platform, db, tokens, options });
  log(`throughput: ${throughput.jobsPerS.toFixed(0)} jobs/s`);
  const outcome = await checkOutcome({ platform, db, pg, ids: throughput.ids });
  throughput.cpu = cpuPerJob(
    cpuBeforeThroughput,
    await cpuSnapshot(platform, pg, natsPids),
    throughput.ids.length,
  );

  log(`steady: ${options.rateJobs} jobs at ${options.rate}/s`);
  const cpuBeforeSteady = await cpuSnapshot(platform, pg, natsPids);
  const steady = await steadyRun({ platform, db, tokens, options });
  await checkOutcome({ platform, db, pg, ids: steady.ids });
  steady.cpu = cpuPerJob(cpuBeforeSteady, await cpuSnapshot(platform, pg, natsPids), steady.ids.length);
  window.toUs = monotonicUs();
  if (options.cpuProf) {
    // The processes write their profiles when they exit, so the folder may not be there yet.
    mkdirSync(options.cpuProf, { recursive: true });
    writeFileSync(join(options.cpuProf, 'window.json'), JSON.stringify(window));
  }
  Object.assign(outcome, countFiles(platform.storageDir));
  report({
    throughput,
    steady,
    outcome,
    options,
    totalJobs: warm.length + throughput.ids.length + steady.ids.length,
  });
}

const options = optionsOrExit('media', () => parseOptions(process.argv.slice(2)));
runBenchmark('media', (context) => run(options, context));
