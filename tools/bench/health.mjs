#!/usr/bin/env node
// npm run bench -- health [--export-mb N] [--daily-days N] [--hr-days N] [--requests N]
//
// The health-data service's store and reads, on the built code (services/health-data/dist) against the
// local Postgres and NATS:
//   - Apple Health XML ingest: a generated export.xml of --export-mb MB (minute-level heart rate plus the
//     daily records, sleep stages and workouts of a watch) imported by a child process running the
//     service's streaming pipeline (zip/XML reader, mapping, HealthSampleRepository.upsertSamples) into a
//     fresh schema: samples/s, then the same file again (every sample already stored: de-duplication) with
//     the row count checked unchanged; the child's RSS is sampled every 100 ms: peak against the RSS once
//     the first batch is written (the target is flat: the peak does not grow with the file);
//   - overview latency: one account with --daily-days days of daily metrics and nights and --hr-days days
//     of minute-level heart rate, written through upsertSamples (its rate printed as the normalised-sample
//     store rate), then --requests overview requests over NATS to the running service (p50, p99).
// FIT and Garmin JSON ingest rates are not measured here yet (see README, Health data, Benchmarks).
// Prints PASS/FAIL for the targets of the health-data issue. Exits 0 whether or not they are met.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describeMachine, optionsOrExit, parseFlags, runBenchmark } from './lib/harness.mjs';
import {
  HarnessError,
  REPO_ROOT,
  prepareNamespace,
  requireBuilt,
  requireFromRoot,
  rssBytes,
  startService,
} from './lib/platform.mjs';
import { fmtMb, fmtMs, percentile, table } from './lib/stats.mjs';

const HELP = `npm run bench -- health [flags]   (each flag also as env BENCH_<NAME>)
  --export-mb N    size of the generated Apple Health export.xml, in MB (default 100; the issue's
                   500 MB-class exports work too, and take about five times as long)
  --daily-days N   days of daily metrics and nights for the overview account (default 730)
  --hr-days N      days of minute-level heart rate for the overview account (default 365)
  --requests N     overview requests measured (default 300)
  --batch N        readings per write in the Apple Health import (default 5000)`;

const TARGETS = { samplesPerSecond: 20_000, overviewP50Ms: 50, overviewP99Ms: 150, rssGrowthMb: 64 };
const DAY = 86_400_000;
const dist = (file) => requireFromRoot(join(REPO_ROOT, 'services', 'health-data', 'dist', file));

function parseOptions(argv) {
  return {
    ...parseFlags(
      argv,
      {
        'export-mb': { default: 100, min: 1 },
        'daily-days': { default: 730, min: 90 },
        'hr-days': { default: 365, min: 1 },
        requests: { default: 300, min: 10 },
        batch: { default: 5_000, min: 100 },
      },
      HELP,
    ),
    loadBefore: loadavg(),
  };
}

/** Writes a generated export of about `megabytes` MB to `path`, a day at a time, respecting backpressure. */
async function writeExport(path, megabytes) {
  const { generateAppleHealthExport } = dist('apple-health/apple-health-export.generator.js');
  // One day of minute-level heart rate and the daily records is about 0.55 MB of XML.
  const days = Math.max(1, Math.round(megabytes / 0.55));
  const out = createWriteStream(path);
  for (const piece of generateAppleHealthExport({
    startMs: Date.UTC(2024, 0, 1),
    days,
    heartRatePerDay: 1_440,
  })) {
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { days, bytes: statSync(path).size };
}

/** Imports the export in a child process, sampling its RSS; resolves with its figures. */
async function importInChild({ path, infra, schema, userId, batch }) {
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'tools/bench/lib/apple-health-import-process.mjs'),
      path,
      infra.databaseUrl,
      schema,
      userId,
      String(batch),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let baseline = null;
  let peak = 0;
  const sample = () => {
    try {
      const rss = rssBytes(child.pid);
      peak = Math.max(peak, rss);
    } catch {
      // exited
    }
  };
  const timer = setInterval(sample, 100);
  let done = null;
  for await (const line of createInterface({ input: child.stdout })) {
    const message = JSON.parse(line);
    if (baseline === null) {
      try {
        baseline = rssBytes(child.pid);
      } catch {
        baseline = peak;
      }
    }
    if (message.done) done = message;
  }
  clearInterval(timer);
  const [code] = await once(child, 'exit').catch(() => [child.exitCode]);
  if (!done) throw new HarnessError(`the import process ended (code ${code}) without finishing:\n${stderr}`);
  return { ...done, baselineRss: baseline ?? peak, peakRss: peak };
}

/** Two years of daily metrics and nights plus minute-level heart rate for one account. */
function* overviewSamples(options, todayMs) {
  const iso = (ms) => new Date(ms).toISOString();
  const daily = (metric, unit, dayMs, value) => ({
    metric,
    unit,
    value,
    source: 'garmin-api',
    startAt: iso(dayMs + 12 * 3_600_000),
    endAt: iso(dayMs + 12 * 3_600_000),
    recordKey: `day:${iso(dayMs).slice(0, 10)}`,
  });
  const batch = [];
  for (let day = 0; day < options.dailyDays; day += 1) {
    const dayMs = todayMs - day * DAY;
    const wave = Math.sin(day / 9);
    batch.push(
      daily('resting_heart_rate', 'bpm', dayMs, 52 + 3 * wave),
      daily('hrv_rmssd', 'ms', dayMs, 48 + 6 * wave),
      daily('stress', 'score', dayMs, 30 + 10 * wave),
      daily('body_battery', 'score', dayMs, 60 + 20 * wave),
      daily('steps', 'count', dayMs, Math.round(9_000 + 3_000 * wave)),
      daily('intensity_minutes', 'min', dayMs, Math.round(30 + 20 * wave)),
      daily('training_readiness', 'score', dayMs, 60 + 15 * wave),
      daily('sleep_score', 'score', dayMs, 75 + 10 * wave),
      daily('weight', 'kg', dayMs, 70 + wave),
      daily('body_fat', '%', dayMs, 21 + wave),
    );
    const bed = dayMs - 3_600_000;
    const stage = (metric, startMinute, minutes) => ({
      metric,
      unit: 's',
      value: minutes * 60,
      source: 'garmin-api',
      startAt: iso(bed + startMinute * 60_000),
      endAt: iso(bed + (startMinute + minutes) * 60_000),
      recordKey: `sleep:${iso(dayMs).slice(0, 10)}`,
    });
    batch.push(
      stage('sleep_light', 0, 230),
      stage('sleep_deep', 230, 80),
      stage('sleep_rem', 310, 100),
      stage('sleep_duration', 0, 410),
    );
    if (batch.length >= 5_000) yield batch.splice(0, batch.length);
  }
  for (let minute = 0; minute < options.hrDays * 1_440; minute += 1) {
    const at = todayMs + DAY - (minute + 1) * 60_000;
    batch.push({
      metric: 'heart_rate',
      unit: 'bpm',
      value: 60 + ((minute * 7) % 40),
      source: 'garmin-fit',
      startAt: iso(at),
      endAt: iso(at),
      recordKey: `monitoring:${iso(at).slice(0, 10)}`,
    });
    if (batch.length >= 5_000) yield batch.splice(0, batch.length);
  }
  if (batch.length > 0) yield batch;
}

async function countRows(pool, userId) {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM samples WHERE user_id = $1', [userId]);
  return rows[0].n;
}

async function main({ infra, ns, cleanup, log }, options) {
  requireBuilt({ services: ['health-data'], libs: ['contracts', 'bus', 'db'] });
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['health-data']);
  const schema = schemas['health-data'];
  const { Pool } = requireFromRoot('pg');
  const pool = new Pool({
    connectionString: infra.databaseUrl,
    options: `-c search_path="${schema}"`,
    max: 4,
  });
  cleanup.add('pool', () => pool.end());
  const work = mkdtempSync(join(tmpdir(), `${ns.id}-`));
  cleanup.add('export folder', () => rmSync(work, { recursive: true, force: true }));

  // Apple Health XML: first import, then the same file again.
  const exportPath = join(work, 'export.xml');
  log(`writing a ${options.exportMb} MB export.xml`);
  const generated = await writeExport(exportPath, options.exportMb);
  log(`${(generated.bytes / 1e6).toFixed(0)} MB, ${generated.days} days; importing`);
  const appleUser = 'bench-apple';
  const first = await importInChild({
    path: exportPath,
    infra,
    schema,
    userId: appleUser,
    batch: options.batch,
  });
  const rowsAfterFirst = await countRows(pool, appleUser);
  log(`imported ${first.samples} samples in ${first.seconds.toFixed(1)} s; importing it again`);
  const again = await importInChild({
    path: exportPath,
    infra,
    schema,
    userId: appleUser,
    batch: options.batch,
  });
  const rowsAfterAgain = await countRows(pool, appleUser);
  if (rowsAfterAgain !== rowsAfterFirst)
    throw new HarnessError(`the second import changed the rows: ${rowsAfterFirst} then ${rowsAfterAgain}`);

  // Overview: seed, then measure over NATS against the running service.
  const { HealthSampleRepository } = dist('samples/health-sample.repository.js');
  const repository = new HealthSampleRepository(pool);
  const overviewUser = 'bench-overview';
  const todayMs = Math.floor(Date.now() / DAY) * DAY;
  log(`writing ${options.dailyDays} days of daily metrics and ${options.hrDays} days of minute heart rate`);
  let seeded = 0;
  const seedStart = performance.now();
  for (const batch of overviewSamples(options, todayMs)) {
    await repository.upsertSamples(overviewUser, batch);
    seeded += batch.length;
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  log(`stored ${seeded} samples in ${seedSeconds.toFixed(1)} s; starting health-data`);
  const service = await startService('health-data', {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: schema,
    HEALTH_IMPORTER_ENABLED: 'false',
    HEALTH_MASTER_KEY: randomBytes(32).toString('base64'),
  });
  cleanup.add('health-data', () => service.stop());
  const { Bus } = requireFromRoot('@conduit/bus');
  const { HealthDataContract } = requireFromRoot('@conduit/contracts');
  const bus = await Bus.connect({
    url: infra.natsUrl,
    name: 'bench-health',
    subjectPrefix: ns.subjectPrefix,
  });
  cleanup.add('bus', () => bus.close());
  const caller = { userId: overviewUser };
  for (let i = 0; i < 20; i += 1) await bus.request(HealthDataContract.getOverview, {}, caller);
  const latencies = [];
  for (let i = 0; i < options.requests; i += 1) {
    const started = performance.now();
    await bus.request(HealthDataContract.getOverview, {}, caller);
    latencies.push(performance.now() - started);
  }
  if (!service.alive()) throw new HarnessError(`health-data died:\n${service.output()}`);

  const rate = (samples, seconds) => samples / seconds;
  const firstRate = rate(first.samples, first.seconds);
  const againRate = rate(again.samples, again.seconds);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const growth = Math.max(first.peakRss - first.baselineRss, again.peakRss - again.baselineRss);
  console.log(`\nhealth-data, built code; ${describeMachine(options.loadBefore)}`);
  console.log(
    table(
      ['ingest (into Postgres, rollups included)', 'samples', 'seconds', 'samples/s'],
      [
        [
          `Apple Health XML, ${(generated.bytes / 1e6).toFixed(0)} MB, new`,
          first.samples,
          first.seconds.toFixed(1),
          firstRate.toFixed(0),
        ],
        [
          'Apple Health XML, same file again (de-duplicated)',
          again.samples,
          again.seconds.toFixed(1),
          againRate.toFixed(0),
        ],
        [
          'normalised samples through upsertSamples (overview account)',
          seeded,
          seedSeconds.toFixed(1),
          rate(seeded, seedSeconds).toFixed(0),
        ],
        ['FIT, Garmin JSON', 'not measured', '', ''],
      ],
    ),
  );
  console.log(
    `rows after the first import ${rowsAfterFirst}, after the second ${rowsAfterAgain}; rejected ${first.rejected}, skipped ${first.skipped}`,
  );
  console.log(
    `import process RSS: ${fmtMb(first.baselineRss)} after the first batch, peak ${fmtMb(first.peakRss)} (first import); ${fmtMb(again.baselineRss)} / ${fmtMb(again.peakRss)} (second)`,
  );
  console.log(
    `overview over NATS (${options.dailyDays} days daily, ${options.hrDays} days minute heart rate, ${options.requests} requests): p50 ${fmtMs(p50)} ms, p99 ${fmtMs(p99)} ms`,
  );
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  console.log(
    `${verdict(Math.min(firstRate, againRate) >= TARGETS.samplesPerSecond)} Apple Health XML ingest ≥ ${TARGETS.samplesPerSecond} samples/s (new ${firstRate.toFixed(0)}, again ${againRate.toFixed(0)})`,
  );
  console.log(
    `${verdict(p50 <= TARGETS.overviewP50Ms)} overview p50 ≤ ${TARGETS.overviewP50Ms} ms (${fmtMs(p50)})`,
  );
  console.log(
    `${verdict(p99 <= TARGETS.overviewP99Ms)} overview p99 ≤ ${TARGETS.overviewP99Ms} ms (${fmtMs(p99)})`,
  );
  console.log(
    `${verdict(growth <= TARGETS.rssGrowthMb * 1024 * 1024)} import memory flat: RSS growth after the first batch ≤ ${TARGETS.rssGrowthMb} MB (${fmtMb(growth)})`,
  );
  console.log('FIT and Garmin JSON ingest: not measured by this script yet');
}

const options = optionsOrExit('health', () => parseOptions(process.argv.slice(2)));
runBenchmark('health', (context) => main(context, options));
