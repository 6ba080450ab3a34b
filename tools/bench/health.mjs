#!/usr/bin/env node
// npm run bench -- health [flags]
//
// The health-data service's ingest and reads, on the built code (services/*/dist) against the local
// Postgres, NATS and Redis. The gateway and health-data run as they do in production; every import takes
// the real path (accepted into the durable JetStream import stream, ingested by health-data into
// Postgres, rollups included) and is timed from the first request to the last import finished:
//   - FIT: a zip of FIT files made with Garmin's SDK Encoder (one-hour activities, a record a second, and
//     daily monitoring files) uploaded to POST /api/v1/health/uploads/fit;
//   - Garmin Health API JSON: push notifications (dailies with heart rate every 15 s, sleeps, stress
//     details) posted to the webhook POST /api/v1/health/garmin/push;
//   - Apple Health XML: a generated export.xml of --export-mb MB (minute-level heart rate plus a watch's
//     daily records, sleep stages and workouts), put in the uploads bucket and the import stream as the
//     gateway puts an upload (the gateway has no Apple Health route yet).
// Each is imported twice: samples/s new, then again (every sample already stored: the row count must not
// change and no row may carry the second import's id, i.e. nothing rewritten). Samples are counted alike
// for all three: those the imports stored (imports.samples_stored). health-data's RSS is read every
// 100 ms during each import; memory is flat while importing the export when the second half of each
// Apple Health import grows no more than --flat-mb above the first half's peak and the first half no
// more than --warmup-mb above the start (a heap warming up, not the file; the other phases' RSS is
// printed, not judged). Then the overview: one account with --daily-days days of daily
// metrics and nights and --hr-days days of minute-level heart rate (written through upsertSamples, its
// rate printed too), and --requests overview requests over NATS (p50, p99).
// Prints PASS/FAIL for the targets of the health-data issue. Exits 0 whether or not they are met.
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { describeMachine, optionsOrExit, parseFlags, postJson, runBenchmark, sleep } from './lib/harness.mjs';
import { fitZip, garminPushes } from './lib/health-payloads.mjs';
import {
  HarnessError,
  REPO_ROOT,
  deleteJetStreamStreams,
  prepareNamespace,
  requireBuilt,
  requireFromRoot,
  startService,
} from './lib/platform.mjs';
import { recordRss, rssGrowthByHalf } from './lib/rss-timeline.mjs';
import { fmtMb, fmtMs, percentile, table } from './lib/stats.mjs';

const HELP = `npm run bench -- health [flags]   (each flag also as env BENCH_<NAME>)
  --export-mb N      size of the generated Apple Health export.xml, in MB (default 100; --export-mb 500 is
                     the issue's large export, and takes about five times as long)
  --fit-activities N one-hour activity files (a record a second) in the FIT zip (default 24)
  --fit-days N       daily monitoring files in the FIT zip (default 30)
  --garmin-days N    days of Garmin summaries pushed (default 60)
  --garmin-push-days N  days per push notification (default 10)
  --flat-mb N        most an import's second half may grow above its first half's peak RSS (default 16)
  --warmup-mb N      most an import's first half may grow above its starting RSS (default 256)
  --daily-days N     days of daily metrics and nights for the overview account (default 730)
  --hr-days N        days of minute-level heart rate for the overview account (default 365)
  --requests N       overview requests measured (default 300)
  --phases LIST      which ingest phases to run, of fit,garmin,apple (default all three)
  --cpu-prof DIR     run health-data with --cpu-prof, its profile written to DIR at the end (summarise
                     it with node tools/bench/lib/cpu-profile-summary.mjs DIR)`;

const TARGETS = { samplesPerSecond: 20_000, overviewP50Ms: 50, overviewP99Ms: 150 };
const DAY = 86_400_000;
const MB = 1024 * 1024;
const PASSWORD = 'correct horse battery staple';
const dist = (file) => requireFromRoot(join(REPO_ROOT, 'services', 'health-data', 'dist', file));

function parseOptions(argv) {
  const parsed = parseFlags(
    argv,
    {
      'export-mb': { default: 100, min: 1 },
      'fit-activities': { default: 24, min: 1 },
      'fit-days': { default: 30, min: 0 },
      'garmin-days': { default: 60, min: 1 },
      'garmin-push-days': { default: 10, min: 1 },
      'flat-mb': { default: 16, min: 1 },
      'warmup-mb': { default: 256, min: 1 },
      'daily-days': { default: 730, min: 90 },
      'hr-days': { default: 365, min: 1 },
      requests: { default: 300, min: 10 },
      'cpu-prof': null,
      phases: 'fit,garmin,apple',
    },
    HELP,
  );
  const phases = new Set(parsed.phases.split(',').map((phase) => phase.trim()));
  for (const phase of phases) {
    if (!['fit', 'garmin', 'apple'].includes(phase))
      throw new HarnessError(`unknown phase ${phase}\n${HELP}`);
  }
  return { ...parsed, phases, loadBefore: loadavg() };
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

/** Sends a JSON request through the gateway; throws on anything but 2xx. */
async function sendJson(url, method, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok)
    throw new HarnessError(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Waits until every import has finished; answers their rows. Fails when one failed. */
async function finishedImports(pool, importIds, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT id, status, samples_stored, rejected_count, rejections, failure_reason
       FROM imports WHERE id = ANY($1::uuid[])`,
      [importIds],
    );
    const finished = rows.filter((row) => row.status === 'succeeded' || row.status === 'failed');
    if (finished.length === importIds.length) {
      const failed = finished.find((row) => row.status === 'failed');
      if (failed) throw new HarnessError(`import ${failed.id} failed: ${failed.failure_reason}`);
      return finished;
    }
    if (Date.now() > deadline)
      throw new HarnessError(`${importIds.length - finished.length} imports did not finish in time`);
    await sleep(50);
  }
}

/**
 * Runs one import phase: `send()` starts the imports (resolving with their ids); timed from the call to the
 * last import finished, with health-data's RSS read throughout.
 */
async function measureImports({ pool, service }, send) {
  const rss = recordRss(service.pid);
  const started = performance.now();
  const importIds = await send();
  const rows = await finishedImports(pool, importIds, 30 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  const memory = rssGrowthByHalf(rss.stop());
  const samples = rows.reduce((sum, row) => sum + row.samples_stored, 0);
  const rejected = rows.reduce((sum, row) => sum + row.rejected_count, 0);
  const rejections = rows.flatMap((row) => row.rejections).slice(0, 3);
  return { importIds, samples, rejected, rejections, seconds, rate: samples / seconds, memory };
}

/**
 * A phase twice: new, then the same content again. The second import must leave the rows as they were:
 * the same count, and none written by it.
 */
async function importTwice(context, { label, userId, source }, send) {
  const { pool, log } = context;
  const rowsOf = async () =>
    (
      await pool.query('SELECT count(*)::int AS n FROM samples WHERE user_id = $1 AND source = $2', [
        userId,
        source,
      ])
    ).rows[0].n;
  log(`${label}: importing`);
  const first = await measureImports(context, send);
  const rowsAfterFirst = await rowsOf();
  log(`${label}: ${first.samples} samples in ${first.seconds.toFixed(1)} s; importing again`);
  const again = await measureImports(context, send);
  const rowsAfterAgain = await rowsOf();
  const { rows } = await pool.query(
    'SELECT count(*)::int AS n FROM samples WHERE import_id = ANY($1::uuid[])',
    [again.importIds],
  );
  const rewritten = rows[0].n;
  if (rowsAfterAgain !== rowsAfterFirst)
    throw new HarnessError(
      `${label}: the second import changed the rows: ${rowsAfterFirst} then ${rowsAfterAgain}`,
    );
  return { label, source, first, again, rows: rowsAfterFirst, rewritten };
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

async function main({ infra, ns, cleanup, log }, options) {
  requireBuilt({ services: ['health-data', 'gateway'], libs: ['contracts', 'bus', 'db'] });
  // The uploads bucket's stream is named OBJ_<prefix>…, outside the streams the harness removes.
  cleanup.add('uploads bucket', () => deleteJetStreamStreams(infra.natsUrl, `OBJ_${ns.streamNamePrefix}`));
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['gateway', 'health-data']);
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

  const exportPath = join(work, 'export.xml');
  let generated = null;
  if (options.phases.has('apple')) {
    log(`writing a ${options.exportMb} MB export.xml`);
    generated = await writeExport(exportPath, options.exportMb);
  }
  const uploadLimit = String(Math.max(200 * MB, (generated?.bytes ?? 0) + MB));
  const webhookSecret = randomBytes(24).toString('hex');
  const common = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
  };
  log('starting health-data and the gateway');
  const nodeArgs = options.cpuProf
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${options.cpuProf}`,
        '--require',
        join(REPO_ROOT, 'tools/bench/lib/probe.cjs'),
      ]
    : [];
  const service = await startService(
    'health-data',
    {
      ...common,
      DATABASE_SCHEMA: schema,
      HEALTH_MASTER_KEY: randomBytes(32).toString('base64'),
      HEALTH_UPLOAD_MAX_BYTES: uploadLimit,
    },
    { nodeArgs },
  );
  cleanup.add('health-data', () => service.stop());
  const gateway = await startService('gateway', {
    ...common,
    DATABASE_SCHEMA: schemas.gateway,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: ns.redisKeyPrefix,
    JWT_SECRET: `bench-jwt-secret-${randomBytes(24).toString('hex')}`,
    AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: '0',
    GARMIN_WEBHOOK_SECRET: webhookSecret,
    HEALTH_UPLOAD_MAX_BYTES: uploadLimit,
  });
  cleanup.add('gateway', () => gateway.stop());
  const api = `${gateway.baseUrl}/api/v1`;
  const account = await postJson(`${api}/auth/register`, {
    email: `${ns.id}@example.test`,
    password: PASSWORD,
  });
  const auth = { authorization: `Bearer ${account.accessToken}` };
  const userId = account.user.id;
  const garminUserId = `garmin-${ns.id}`;
  await sendJson(`${api}/health/garmin/connection`, 'PUT', { garminUserId }, auth);
  const context = { pool, service, log };
  const phases = [];
  const startMs = Date.UTC(2025, 0, 1);

  // FIT: one zip of activities and monitoring files through the upload route.
  if (options.phases.has('fit')) {
    const zip = await fitZip({ startMs, activities: options.fitActivities, monitoringDays: options.fitDays });
    phases.push(
      await importTwice(
        context,
        {
          label: `FIT zip (${options.fitActivities} activities, ${options.fitDays} monitoring days, ${(zip.length / 1e6).toFixed(2)} MB)`,
          userId,
          source: 'garmin-fit',
        },
        async () => {
          const form = new FormData();
          form.append('file', new Blob([zip]), 'garmin-export.zip');
          const response = await fetch(`${api}/health/uploads/fit`, {
            method: 'POST',
            headers: auth,
            body: form,
          });
          const body = await response.json();
          if (response.status !== 202)
            throw new HarnessError(`the FIT upload answered ${response.status}: ${JSON.stringify(body)}`);
          return [body.importId];
        },
      ),
    );
  }

  // Garmin Health API push notifications through the webhook.
  if (options.phases.has('garmin')) {
    const pushes = [
      ...garminPushes({
        garminUserId,
        startMs,
        days: options.garminDays,
        daysPerPush: options.garminPushDays,
      }),
    ].map((notification) => JSON.stringify(notification));
    const pushBytes = pushes.reduce((sum, body) => sum + body.length, 0);
    phases.push(
      await importTwice(
        context,
        {
          label: `Garmin JSON (${options.garminDays} days in ${pushes.length} pushes, ${(pushBytes / 1e6).toFixed(1)} MB)`,
          userId,
          source: 'garmin-api',
        },
        async () => {
          const ids = [];
          for (const body of pushes) {
            const response = await fetch(`${api}/health/garmin/push`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-webhook-secret': webhookSecret },
              body,
            });
            const answer = await response.json();
            if (response.status !== 202)
              throw new HarnessError(`a push answered ${response.status}: ${JSON.stringify(answer)}`);
            ids.push(answer.importId);
          }
          return ids;
        },
      ),
    );
  }

  // Apple Health XML: into the uploads bucket and the import stream, as the gateway accepts an upload.
  if (generated) {
    const { Bus, ObjectTransfer } = requireFromRoot('@conduit/bus');
    const { HEALTH_UPLOAD_TTL_MS, HEALTH_UPLOADS_BUCKET, HealthDataContract } =
      requireFromRoot('@conduit/contracts');
    const bus = await Bus.connect({
      url: infra.natsUrl,
      name: 'bench-health-intake',
      subjectPrefix: ns.subjectPrefix,
    });
    cleanup.add('intake bus', () => bus.close());
    const transfer = new ObjectTransfer(bus, HEALTH_UPLOADS_BUCKET, HEALTH_UPLOAD_TTL_MS);
    phases.push(
      await importTwice(
        context,
        {
          label: `Apple Health XML (${(generated.bytes / 1e6).toFixed(0)} MB, ${generated.days} days)`,
          userId,
          source: 'apple-health',
        },
        async () => {
          const object = await transfer.put(Readable.toWeb(createReadStream(exportPath)));
          const importId = randomUUID();
          await bus.publish(
            HealthDataContract.importAccepted,
            {
              importId,
              kind: 'apple-health',
              filename: 'export.xml',
              bytes: generated.bytes,
              content: { object },
              acceptedAt: new Date().toISOString(),
            },
            { userId },
            { messageId: importId },
          );
          return [importId];
        },
      ),
    );
  }

  // Overview: seed another account, then measure over NATS against the running service.
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
  log(`stored ${seeded} samples in ${seedSeconds.toFixed(1)} s; asking for the overview`);
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
  if (!gateway.alive()) throw new HarnessError(`the gateway died:\n${gateway.output()}`);

  report(options, phases, { seeded, seedSeconds, latencies });
}

function report(options, phases, { seeded, seedSeconds, latencies }) {
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`\nhealth-data and gateway, built code; ${describeMachine(options.loadBefore)}`);
  console.log(
    table(
      [
        'ingest (through the gateway and JetStream into Postgres, rollups included)',
        'samples',
        'seconds',
        'samples/s',
      ],
      [
        ...phases.flatMap(({ label, first, again }) => [
          [`${label}, new`, first.samples, first.seconds.toFixed(1), first.rate.toFixed(0)],
          [`${label}, again (de-duplicated)`, again.samples, again.seconds.toFixed(1), again.rate.toFixed(0)],
        ]),
        [
          'normalised samples through upsertSamples (overview account)',
          seeded,
          seedSeconds.toFixed(1),
          (seeded / seedSeconds).toFixed(0),
        ],
      ],
    ),
  );
  console.log(
    table(
      ['health-data RSS during', 'at start', 'peak 1st half', 'peak 2nd half', '2nd half growth'],
      phases.flatMap(({ label, first, again }) =>
        [
          [`${label}, new`, first.memory],
          [`${label}, again`, again.memory],
        ].map(([name, m]) => [
          name,
          fmtMb(m.startRss),
          fmtMb(m.firstHalfPeak),
          fmtMb(m.secondHalfPeak),
          fmtMb(m.secondHalfGrowth),
        ]),
      ),
    ),
  );
  for (const { label, first, rows, rewritten } of phases) {
    console.log(
      `${label}: ${rows} rows, unchanged by the second import, ${rewritten} of them rewritten by it; rejected ${first.rejected}${first.rejections.length > 0 ? ` (${first.rejections.map((r) => `${r.item}: ${r.reason}`).join('; ')})` : ''}`,
    );
  }
  console.log(
    `overview over NATS (${options.dailyDays} days daily, ${options.hrDays} days minute heart rate, ${options.requests} requests): p50 ${fmtMs(p50)} ms, p99 ${fmtMs(p99)} ms`,
  );
  for (const { label, first, again, rewritten } of phases) {
    console.log(
      `${verdict(Math.min(first.rate, again.rate) >= TARGETS.samplesPerSecond)} ${label} ingest ≥ ${TARGETS.samplesPerSecond} samples/s (new ${first.rate.toFixed(0)}, again ${again.rate.toFixed(0)})`,
    );
    console.log(`${verdict(rewritten === 0)} ${label} again: nothing rewritten (${rewritten} rows)`);
  }
  console.log(
    `${verdict(p50 <= TARGETS.overviewP50Ms)} overview p50 ≤ ${TARGETS.overviewP50Ms} ms (${fmtMs(p50)})`,
  );
  console.log(
    `${verdict(p99 <= TARGETS.overviewP99Ms)} overview p99 ≤ ${TARGETS.overviewP99Ms} ms (${fmtMs(p99)})`,
  );
  // The issue's memory target is about a large export; the other phases' figures are printed above.
  const apple = phases.find(({ source }) => source === 'apple-health');
  if (!apple) {
    console.log('memory while importing an export: not measured (no apple phase)');
    return;
  }
  const growth = Math.max(apple.first.memory.secondHalfGrowth, apple.again.memory.secondHalfGrowth);
  const warmup = Math.max(apple.first.memory.firstHalfGrowth, apple.again.memory.firstHalfGrowth);
  const flat = growth <= options.flatMb * MB && warmup <= options.warmupMb * MB;
  console.log(
    `${verdict(flat)} memory flat while importing ${apple.label}: health-data's RSS grew ≤ ${options.warmupMb} MB in the first half of each import (${fmtMb(warmup)}) and ≤ ${options.flatMb} MB more in the second (${fmtMb(growth)}); peak ${fmtMb(Math.max(apple.first.memory.overallPeak, apple.again.memory.overallPeak))}`,
  );
}

const options = optionsOrExit('health', () => parseOptions(process.argv.slice(2)));
runBenchmark('health', (context) => main(context, options));
