#!/usr/bin/env node
// npm run bench -- chat-stream [--tokens 50] [--interval-ms 10] [--samples 200] [...]
//
// Time to first token and total time of streamed chat answers, straight to a fake OpenAI server
// against through the platform (client → gateway SSE → NATS → chat → fake), interleaved round by round
// in the same run, at 1, 50 and 200 concurrent streams; token order/completeness at every level; and
// the gateway's resident memory holding 1,000 idle authenticated WebSockets.
//
// Runs the built services (`npm run build` first) against the local NATS/Postgres/Redis (NATS_URL,
// DATABASE_URL, REDIS_URL) on a namespace of its own, removed at the end. Exits 0 whether or not the
// targets are met, non-zero when the harness itself fails.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  cycle,
  diagnosticsFor,
  FAKE_API_KEY,
  registerUsers,
  startChatPlatform,
  startFakeOpenAiProcess,
} from './lib/chat-platform.mjs';
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
import { cpuMs, HarnessError, requireFromRoot, rssBytes } from './lib/platform.mjs';
import { fmtMb, fmtMs, fmtSigned, percentile, table } from './lib/stats.mjs';
import { directStream, gatewayStream } from './lib/stream-client.mjs';

const HELP = `npm run bench -- chat-stream [flags]   (each flag also as env BENCH_<NAME>, e.g. BENCH_TOKENS=20)
  --tokens N          tokens per streamed answer (default 50)
  --interval-ms N     fake provider's pacing before each token, the first included (default 10)
  --samples N         sequential request pairs at concurrency 1; about as many streams per path
                      at the higher levels (default 200)
  --c1-tokens N       tokens per answer for the concurrency-1 TTFT samples (default 5: TTFT does not
                      depend on the answer's length, and full answers would take minutes)
  --c1-full N         full-length sequential pairs at concurrency 1, for its total time (default 10)
  --levels L          concurrency levels, comma separated (default 1,50,200)
  --websockets N      idle WebSockets for the memory check (default 1000; 0 skips it)
  --warmup N          warm-up request pairs before measuring (default 20)
  --users N           accounts the streams and WebSockets are spread over (default: 10, or one per 10
                      streams of the highest level), so no user exceeds the gateway's per-user limits
  --cpu-prof DIR      run gateway and chat with --cpu-prof, profiles written to DIR at the end
  --probe FILE        load tools/bench/lib/probe.cjs into gateway and chat and write a per-step
                      timeline of the concurrency-1 samples to FILE (adds overhead: diagnosis only)`;

const TARGETS = {
  c1AddedP50Ms: 2,
  c1AddedP99Ms: 5,
  c50AddedP50Ms: 10,
  rssBytes: 200 * 1024 * 1024,
};

const log = logger('chat-stream');

function parseOptions(argv) {
  const options = parseFlags(
    argv,
    {
      tokens: { default: 50, min: 1 },
      'interval-ms': 10,
      samples: { default: 200, min: 1 },
      'c1-tokens': { default: 5, min: 1 },
      'c1-full': 10,
      levels: '1,50,200',
      websockets: 1000,
      warmup: 20,
      users: { default: 0, min: 0 },
      'cpu-prof': null,
      probe: null,
    },
    HELP,
  );
  const levels = parseLevels(options.levels);
  return {
    ...options,
    levels,
    users: options.users || Math.max(10, Math.ceil(Math.max(...levels) / 10)),
    cpuProfDir: options.cpuProf,
    probeFile: options.probe,
    loadBefore: loadavg(),
  };
}

async function run(options, { infra, ns, cleanup }) {
  const fake = await startFakeOpenAiProcess(options);
  cleanup.add('fake OpenAI', () => fake.stop());
  const diagnostics = diagnosticsFor(options);
  const { chat, gateway, assertAlive } = await startChatPlatform({
    infra,
    ns,
    cleanup,
    log,
    fake,
    diagnostics,
  });
  log(`registering ${options.users} users`);
  const tokens = await registerUsers(gateway, ns, options.users);
  // At least 200, so no session piles up history (each message pair adds two rows the next request reads).
  const poolSize = Math.max(200, ...options.levels);
  log(`creating ${poolSize} chat sessions`);
  const sessions = await pool(poolSize, 16, async (i) => {
    const accessToken = tokens[i % tokens.length];
    const session = await postJson(
      `${gateway.baseUrl}/api/v1/chat/sessions`,
      { title: `bench ${i}` },
      accessToken,
    );
    return { id: session.id, accessToken };
  });
  const nextSession = cycle(sessions);
  const rss = { idle: rssBytes(gateway.pid) };

  let requestNo = 0;
  const direct = (tokens) =>
    directStream({
      baseUrl: fake.url,
      apiKey: FAKE_API_KEY,
      tokens,
      content: `Say something (${++requestNo}).`,
    });
  const viaGateway = (tokens, session = nextSession()) =>
    gatewayStream({
      baseUrl: gateway.baseUrl,
      accessToken: session.accessToken,
      sessionId: session.id,
      tokens,
      content: `Say something (${++requestNo}).`,
    });
  const paths = { direct, gateway: viaGateway };

  // ---- warm-up: JIT, connection pools, prepared statements on both paths ----
  log(`warm-up: ${options.warmup} sequential pairs, then a burst of 20 per path`);
  for (let i = 0; i < options.warmup; i++) {
    for (const name of ['direct', 'gateway']) {
      const result = await paths[name](options.c1Tokens);
      if (i === 0 && !result.ok)
        throw new HarnessError(
          `the first ${name} stream failed: ${result.error ?? 'tokens lost or reordered'}`,
        );
    }
  }
  for (const name of ['direct', 'gateway'])
    await Promise.all(Array.from({ length: 20 }, () => paths[name](options.tokens)));
  assertAlive();

  /** Per level and path: every stream's result, and each round's wall time and tokens. */
  const results = {};
  const record = (level, name) => {
    results[level] ??= {};
    return (results[level][name] ??= { streams: [], fullStreams: [], rounds: [] });
  };

  // Probe timelines only make sense where requests do not overlap: the concurrency-1 samples.
  const probeMarks = [];

  const completedLevels = [];
  let failure = null;
  let wsReport = null;
  try {
    /** CPU the gateway and chat processes spent on this level, per gateway stream (direct rounds cost them nothing). */
    const cpuSnapshot = () => ({ gateway: cpuMs(gateway.pid), chat: cpuMs(chat.pid) });
    const finishLevel = (level, before) => {
      const after = cpuSnapshot();
      const entry = record(level, 'gateway');
      const streams = new Set([...entry.streams, ...entry.fullStreams]);
      let tokens = 0;
      for (const r of streams) tokens += r.received;
      results[level].cpu = {
        gatewayMs: after.gateway - before.gateway,
        chatMs: after.chat - before.chat,
        streams: streams.size,
        tokens,
      };
      completedLevels.push(level);
    };
    for (const level of options.levels) {
      const cpuBefore = cpuSnapshot();
      if (level === 1) {
        log(`concurrency 1: ${options.samples} interleaved pairs of ${options.c1Tokens}-token answers`);
        for (let i = 0; i < options.samples; i++) {
          const order = i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
          for (const name of order) {
            const startedAt = Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC, as the probe
            const result = await paths[name](options.c1Tokens);
            record(1, name).streams.push(result);
            if (name === 'gateway' && options.probeFile)
              probeMarks.push({ startedAt, ttftMs: result.ttftMs, totalMs: result.totalMs });
          }
        }
        if (options.c1Full > 0) {
          log(`concurrency 1: ${options.c1Full} interleaved pairs of full ${options.tokens}-token answers`);
          for (let i = 0; i < options.c1Full; i++) {
            const order = i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
            for (const name of order) {
              const t0 = performance.now();
              const result = await paths[name](options.tokens);
              const entry = record(1, name);
              entry.fullStreams.push(result);
              entry.rounds.push({ wallMs: performance.now() - t0, tokens: result.received });
            }
          }
        }
        assertAlive();
        finishLevel(level, cpuBefore);
        continue;
      }
      const rounds = Math.min(10, Math.max(3, Math.ceil(options.samples / level)));
      log(`concurrency ${level}: ${rounds} rounds per path, alternating, ${options.tokens}-token answers`);
      for (let round = 0; round < rounds; round++) {
        // a b b a a b ...: neither path always goes first, or always follows the other.
        const order = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
        for (const name of order) {
          const t0 = performance.now();
          const batch = await Promise.all(Array.from({ length: level }, () => paths[name](options.tokens)));
          const wallMs = performance.now() - t0;
          const entry = record(level, name);
          entry.streams.push(...batch);
          entry.fullStreams.push(...batch);
          entry.rounds.push({ wallMs, tokens: batch.reduce((sum, r) => sum + r.received, 0) });
          // Let the chat service finish persisting the answers, so its tail never lands in the next round.
          await sleep(300);
        }
        assertAlive();
      }
      finishLevel(level, cpuBefore);
    }

    // ---- idle WebSockets ----
    if (options.websockets > 0) {
      await sleep(1_000);
      rss.afterStreams = rssBytes(gateway.pid);
      wsReport = await holdIdleWebSockets(gateway, tokens, options.websockets, rss);
      assertAlive();
    }
  } catch (error) {
    // Report what was measured before the failure, then fail.
    failure = error;
  }

  if (options.probeFile) {
    writeFileSync(
      options.probeFile,
      JSON.stringify({ marks: probeMarks, dir: diagnostics.env.BENCH_PROBE_DIR }, null, 1),
    );
    log(
      `probe: marks in ${options.probeFile}, process timelines in ${diagnostics.env.BENCH_PROBE_DIR} (written at exit)`,
    );
  }

  report({ ...options, levels: completedLevels }, results, rss, wsReport);
  if (failure) throw failure;
}

async function holdIdleWebSockets(gateway, tokens, count, rss) {
  const WebSocket = requireFromRoot('ws');
  const url = `ws://127.0.0.1:${gateway.port}/ws`;
  log(`opening ${count} idle WebSockets`);
  const sockets = [];
  let failed = 0;
  let firstFailure = null;
  const open = (i) =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, {
        headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
        perMessageDeflate: false,
      });
      let settled = false;
      const finish = (ok, why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok) sockets.push(ws);
        else {
          failed += 1;
          firstFailure ??= why;
          ws.terminate();
        }
        resolve();
      };
      const timer = setTimeout(() => finish(false, 'no ready frame within 10 s'), 10_000);
      ws.once('message', (data) => {
        const type = JSON.parse(String(data)).type;
        finish(type === 'ready', `first frame was ${type}`);
      });
      ws.once('error', (error) => finish(false, error.message));
      ws.once('unexpected-response', (_req, res) => finish(false, `upgrade answered HTTP ${res.statusCode}`));
    });
  const t0 = performance.now();
  await pool(count, 50, open);
  const openMs = performance.now() - t0;
  // Settle, then take the highest of a few readings: what the process holds, not a lucky moment after GC.
  await sleep(2_000);
  let held = 0;
  for (let i = 0; i < 5; i++) {
    held = Math.max(held, rssBytes(gateway.pid));
    await sleep(200);
  }
  rss.withWebSockets = held;
  const stillOpen = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close(1000);
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 3_000).unref();
        }),
    ),
  );
  return { requested: count, opened: sockets.length, failed, firstFailure, stillOpen, openMs };
}

function summarize(entry) {
  const ok = entry.streams.filter((r) => r.error === null);
  const ttft = ok.map((r) => r.ttftMs).filter((v) => v !== null);
  const totals = entry.fullStreams
    .filter((r) => r.error === null && r.totalMs !== null)
    .map((r) => r.totalMs);
  const wall = entry.rounds.reduce((sum, r) => sum + r.wallMs, 0);
  const tokens = entry.rounds.reduce((sum, r) => sum + r.tokens, 0);
  const all = [...new Set([...entry.streams, ...entry.fullStreams])];
  return {
    samples: ttft.length,
    streams: all.length,
    ttftP50: percentile(ttft, 50),
    ttftP99: percentile(ttft, 99),
    totalP50: percentile(totals, 50),
    totalP99: percentile(totals, 99),
    tokensPerSecond: wall > 0 ? (tokens / wall) * 1000 : Number.NaN,
    errors: all.filter((r) => r.error !== null).length,
    firstError: all.find((r) => r.error !== null)?.error ?? null,
    lost: all.reduce((sum, r) => sum + r.lost, 0),
    reordered: all.reduce((sum, r) => sum + r.reordered + r.seqErrors, 0),
    duplicated: all.reduce((sum, r) => sum + r.duplicated, 0),
    incomplete: all.filter((r) => !r.ok).length,
  };
}

function report(options, results, rss, wsReport) {
  const rows = [];
  const correctness = [];
  const cpuRows = [];
  const summaries = {};
  for (const level of options.levels) {
    const d = summarize(results[level].direct);
    const g = summarize(results[level].gateway);
    summaries[level] = { direct: d, gateway: g };
    rows.push([
      String(level),
      `${d.samples}/${g.samples}`,
      `${fmtMs(d.ttftP50)} / ${fmtMs(d.ttftP99)}`,
      `${fmtMs(g.ttftP50)} / ${fmtMs(g.ttftP99)}`,
      `${fmtSigned(g.ttftP50 - d.ttftP50)} / ${fmtSigned(g.ttftP99 - d.ttftP99)}`,
      `${fmtMs(d.totalP50, 0)} / ${fmtMs(d.totalP99, 0)}`,
      `${fmtMs(g.totalP50, 0)} / ${fmtMs(g.totalP99, 0)}`,
      fmtMs(d.tokensPerSecond, 0),
      fmtMs(g.tokensPerSecond, 0),
    ]);
    const cpu = results[level].cpu;
    if (cpu && cpu.streams > 0) {
      cpuRows.push([
        String(level),
        `${cpu.streams} (${fmtMs(cpu.tokens / cpu.streams, 0)} tok)`,
        fmtMs(cpu.gatewayMs / cpu.streams, 2),
        fmtMs(cpu.chatMs / cpu.streams, 2),
        fmtMs(((cpu.gatewayMs + cpu.chatMs) / Math.max(1, cpu.tokens)) * 1000, 0),
      ]);
    }
    for (const [name, s] of [
      ['direct', d],
      ['gateway', g],
    ]) {
      correctness.push([
        `${level} ${name}`,
        String(s.streams),
        String(s.streams - s.incomplete),
        String(s.errors),
        String(s.lost),
        String(s.reordered),
        String(s.duplicated),
        s.firstError ? s.firstError.slice(0, 60) : '',
      ]);
    }
  }

  const out = [];
  out.push('');
  out.push(
    `chat-stream: ${options.tokens} tokens per answer at ${options.intervalMs} ms pacing (first token after one interval, both paths);` +
      ` concurrency 1 TTFT from ${options.samples} interleaved pairs of ${options.c1Tokens}-token answers,` +
      ` its total time from ${options.c1Full} full-length pairs; higher levels in alternating rounds.`,
  );
  out.push(
    'direct = client → fake OpenAI; gateway = client → gateway SSE → NATS → chat → fake OpenAI (1 chat replica). Times in ms.',
  );
  out.push(describeMachine(options.loadBefore));
  out.push('');
  out.push(
    table(
      [
        'conc',
        'samples d/g',
        'direct TTFT p50/p99',
        'gateway TTFT p50/p99',
        'added TTFT p50/p99',
        'direct total p50/p99',
        'gateway total p50/p99',
        'direct tok/s',
        'relay tok/s',
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    table(
      ['streams', 'count', 'complete', 'errors', 'tokens lost', 'reordered', 'duplicated', 'first error'],
      correctness,
    ),
  );
  out.push('');
  if (cpuRows.length > 0) {
    out.push(
      table(
        [
          'conc',
          'gateway streams (avg tokens)',
          'gateway CPU ms/stream',
          'chat CPU ms/stream',
          'both CPU µs/token',
        ],
        cpuRows,
      ),
    );
    out.push(
      '(CPU from /proc over the whole level, 10 ms ticks; the direct rounds cost these processes nothing)',
    );
    out.push('');
  }
  if (rss.withWebSockets !== undefined) {
    out.push(
      `gateway RSS: ${fmtMb(rss.idle)} after start-up and setup, ${fmtMb(rss.afterStreams)} after the streaming runs, ` +
        `${fmtMb(rss.withWebSockets)} holding ${wsReport.stillOpen} idle WebSockets ` +
        `(${rss.withWebSockets >= rss.afterStreams ? '+' : '−'}${fmtMb(Math.abs(rss.withWebSockets - rss.afterStreams))}; ${wsReport.opened}/${wsReport.requested} opened in ${fmtMs(wsReport.openMs, 0)} ms, ${wsReport.failed} failed${wsReport.firstFailure ? `: ${wsReport.firstFailure}` : ''})`,
    );
    out.push('');
  }

  const verdict = (pass) => (pass ? 'PASS' : 'FAIL');
  const targets = [];
  const s1 = summaries[1];
  if (s1) {
    const p50 = s1.gateway.ttftP50 - s1.direct.ttftP50;
    const p99 = s1.gateway.ttftP99 - s1.direct.ttftP99;
    targets.push([
      '1 stream: added TTFT p50 ≤ 2 ms',
      `${fmtSigned(p50, 2)} ms`,
      verdict(p50 <= TARGETS.c1AddedP50Ms),
    ]);
    targets.push([
      '1 stream: added TTFT p99 ≤ 5 ms',
      `${fmtSigned(p99, 2)} ms`,
      verdict(p99 <= TARGETS.c1AddedP99Ms),
    ]);
  }
  const s50 = summaries[50];
  if (s50) {
    const p50 = s50.gateway.ttftP50 - s50.direct.ttftP50;
    targets.push([
      '50 streams: added TTFT p50 ≤ 10 ms',
      `${fmtSigned(p50, 2)} ms`,
      verdict(p50 <= TARGETS.c50AddedP50Ms),
    ]);
  }
  const s200 = summaries[200];
  if (s200) {
    const g = s200.gateway;
    targets.push([
      '200 streams: no token lost or reordered',
      `${g.streams - g.incomplete}/${g.streams} complete, ${g.lost} lost, ${g.reordered} reordered, ${g.errors} errors`,
      verdict(
        g.incomplete === 0 && g.lost === 0 && g.reordered === 0 && g.duplicated === 0 && g.errors === 0,
      ),
    ]);
  }
  if (rss.withWebSockets !== undefined) {
    const allHeld = wsReport.stillOpen === wsReport.requested;
    targets.push([
      `gateway RSS ≤ 200 MB with ${wsReport.requested} idle WebSockets`,
      `${fmtMb(rss.withWebSockets)}${allHeld ? '' : ` (only ${wsReport.stillOpen} held)`}`,
      verdict(allHeld && rss.withWebSockets <= TARGETS.rssBytes),
    ]);
  }
  out.push(table(['target', 'measured', ''], targets));
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
}

const options = optionsOrExit('chat-stream', () => parseOptions(process.argv.slice(2)));
runBenchmark('chat-stream', (context) => run(options, context), {
  // The services write the rest of their timelines as they stop, so this comes after the cleanup.
  after: async () => {
    if (!options.probeFile) return;
    const { analyzeProbe } = await import('./lib/analyze-probe.mjs');
    process.stdout.write(analyzeProbe(options.probeFile) + '\n');
  },
});
