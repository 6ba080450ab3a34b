#!/usr/bin/env node
// npm run bench -- gateway-vs-peer [--levels 1,10,50] [--samples 200] [...]
//
// The same fake OpenAI streaming server reached three ways, in one run, with targets interleaved in
// rounds: (a) directly, (b) through the Portkey AI gateway from npm (one proxy hop), (c) through this
// platform (gateway → NATS → chat → provider). All three speak OpenAI's streaming protocol to the same
// client code (`POST /v1/chat/completions`, `stream: true`), so the only difference is what sits in
// between. Prints each path's added TTFT p50/p99 over (a), time to the last token, tokens/s, CPU per
// stream, the ratio (c)/(b), and whether every token arrived once and in order.
//
// Targets, each printed with PASS or FAIL: (c)'s added TTFT p50 at most half of (b)'s and its p99 at
// most (b)'s, at every level; (c)'s CPU per stream (gateway + chat) at most (b)'s at every level; (c)'s
// time to the last token p50 at most (b)'s + 10 % at 50 streams; no token lost, reordered or duplicated.
// Exits 0 whether or not the targets are met, non-zero when the harness itself fails.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
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
  rotation,
  runBenchmark,
  sleep,
} from './lib/harness.mjs';
import { cpuMs, HarnessError, writeSyscalls } from './lib/platform.mjs';
import { portkeyRoutingHeaders, startPortkey } from './lib/portkey-peer.mjs';
import { fmtMs, fmtSigned, percentile, table } from './lib/stats.mjs';
import { openAiStream } from './lib/stream-client.mjs';

const HELP = `npm run bench -- gateway-vs-peer [flags]   (each flag also as env BENCH_<NAME>)
  --levels L          concurrency levels, comma separated (default 1,10,50)
  --tokens N          tokens per streamed answer (default 50)
  --interval-ms N     fake provider's pacing before each token, the first included (default 10)
  --samples N         streams per target at each level: interleaved sequential triples at
                      concurrency 1, about that many in rounds at the higher ones (default 300)
  --c1-tokens N       tokens per answer for the concurrency-1 TTFT samples (default 5)
  --c1-full N         full-length sequential triples at concurrency 1, for its tokens/s (default 10)
  --warmup N          warm-up rounds per target before measuring (default 20)
  --cpu-prof DIR      run gateway and chat with --cpu-prof, profiles written to DIR at the end, with
                      DIR/window.json saying when the measurement ran (start-up and warm-up left out
                      by: node tools/bench/lib/cpu-profile-summary.mjs DIR)
  --users N           accounts the platform's streams are spread over, so none exceeds the per-user
                      limits (default: 10, or one per 5 streams of the highest level)`;

/** Added TTFT p50 at most this share of Portkey's; p99 at most Portkey's. */
const TTFT_P50_RATIO = 1 / 2;
const TTFT_P99_RATIO = 1;
/** Time to the last token p50 at most Portkey's plus this share, at {@link LAST_TOKEN_LEVEL} streams. */
const LAST_TOKEN_MARGIN = 0.1;
const LAST_TOKEN_LEVEL = 50;
const TARGETS = ['direct', 'portkey', 'conduit'];
const log = logger('gateway-vs-peer');

function parseOptions(argv) {
  const options = parseFlags(
    argv,
    {
      levels: '1,10,50',
      tokens: { default: 50, min: 1 },
      'interval-ms': 10,
      samples: { default: 300, min: 1 },
      'c1-tokens': { default: 5, min: 1 },
      'c1-full': 10,
      warmup: 20,
      users: 0,
      'cpu-prof': null,
    },
    HELP,
  );
  const levels = parseLevels(options.levels);
  return {
    ...options,
    levels,
    users: options.users || Math.max(10, Math.ceil(Math.max(...levels) / 5)),
    cpuProfDir: options.cpuProf,
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
  log('starting Portkey');
  const portkey = await startPortkey();
  cleanup.add('Portkey', () => portkey.stop());
  log(`Portkey ${portkey.version} at ${portkey.baseUrl}`);
  log(`registering ${options.users} users`);
  const nextUserToken = cycle(await registerUsers(gateway, ns, options.users));

  let requestNo = 0;
  const content = () => `Say something (${++requestNo}).`;
  const streams = {
    direct: (tokens) =>
      openAiStream({
        url: `${fake.url}/chat/completions`,
        authorization: `Bearer ${FAKE_API_KEY}`,
        model: 'gpt-4o-mini',
        tokens,
        content: content(),
      }),
    portkey: (tokens) =>
      openAiStream({
        url: `${portkey.baseUrl}/v1/chat/completions`,
        authorization: `Bearer ${FAKE_API_KEY}`,
        headers: portkeyRoutingHeaders(fake.url),
        model: 'gpt-4o-mini',
        tokens,
        content: content(),
      }),
    conduit: (tokens) =>
      openAiStream({
        url: `${gateway.baseUrl}/v1/chat/completions`,
        authorization: `Bearer ${nextUserToken()}`,
        model: 'openai/gpt-4o-mini',
        tokens,
        content: content(),
      }),
  };
  const assertAllAlive = () => {
    assertAlive();
    if (!portkey.alive()) throw new HarnessError(`Portkey died during the benchmark:\n${portkey.output()}`);
  };

  log(`warm-up: ${options.warmup} sequential streams per target, then a burst of 20 each`);
  for (let i = 0; i < options.warmup; i++) {
    for (const name of TARGETS) {
      const result = await streams[name](options.c1Tokens);
      if (i === 0 && !result.ok)
        throw new HarnessError(
          `the first ${name} stream failed: ${result.error ?? 'tokens lost or reordered'}`,
        );
    }
  }
  for (const name of TARGETS)
    await Promise.all(Array.from({ length: 20 }, () => streams[name](options.tokens)));
  assertAllAlive();

  const processes = { portkey: [portkey.pid], conduit: [gateway.pid, chat.pid] };
  // The profiles' clock (CLOCK_MONOTONIC, µs): the summary counts only what the measurement cost.
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = { fromUs: monotonicUs(), toUs: Number.POSITIVE_INFINITY };
  const saveWindow = () => {
    if (!options.cpuProfDir) return;
    window.toUs = monotonicUs();
    writeFileSync(join(options.cpuProfDir, 'window.json'), JSON.stringify(window));
  };
  // Per process of the target (the platform's: gateway, then chat), so the report can split them.
  const cpuOf = (name) => processes[name].map((pid) => cpuMs(pid));
  const writesOf = (name) => processes[name].map((pid) => writeSyscalls(pid));
  const addDifference = (sums, before, after) => after.forEach((value, i) => (sums[i] += value - before[i]));
  const results = {};
  const completed = [];
  let failure = null;
  try {
    for (const level of options.levels) {
      const entries = Object.fromEntries(
        TARGETS.map((name) => [
          name,
          {
            ttftStreams: [],
            rateRounds: [],
            all: [],
            cpuMs: [0, 0],
            writes: [0, 0],
            fullTokens: options.tokens,
          },
        ]),
      );
      results[level] = entries;
      /** One round of `level` concurrent streams on one target, its CPU cost charged to that target. */
      const round = async (name, tokens, { forRate }) => {
        const cpuBefore = name === 'direct' ? [] : cpuOf(name);
        const writesBefore = name === 'direct' ? [] : writesOf(name);
        const t0 = performance.now();
        const batch = await Promise.all(Array.from({ length: level }, () => streams[name](tokens)));
        const wallMs = performance.now() - t0;
        const entry = entries[name];
        if (name !== 'direct') {
          addDifference(entry.cpuMs, cpuBefore, cpuOf(name));
          addDifference(entry.writes, writesBefore, writesOf(name));
        }
        entry.all.push(...batch);
        if (forRate) entry.rateRounds.push({ wallMs, tokens: batch.reduce((sum, r) => sum + r.received, 0) });
        return batch;
      };
      if (level === 1) {
        log(`concurrency 1: ${options.samples} interleaved triples of ${options.c1Tokens}-token answers`);
        for (let i = 0; i < options.samples; i++) {
          for (const name of rotation(TARGETS, i))
            entries[name].ttftStreams.push(...(await round(name, options.c1Tokens, { forRate: false })));
        }
        log(`concurrency 1: ${options.c1Full} interleaved triples of full ${options.tokens}-token answers`);
        for (let i = 0; i < options.c1Full; i++) {
          for (const name of rotation(TARGETS, i)) await round(name, options.tokens, { forRate: true });
        }
      } else {
        const rounds = Math.max(6, Math.ceil(options.samples / level));
        log(
          `concurrency ${level}: ${rounds} rounds per target, interleaved, ${options.tokens}-token answers`,
        );
        for (let i = 0; i < rounds; i++) {
          for (const name of rotation(TARGETS, i)) {
            entries[name].ttftStreams.push(...(await round(name, options.tokens, { forRate: true })));
            // Let the platform finish its end-of-stream writes, so their tail never lands in the next round.
            await sleep(200);
          }
        }
      }
      assertAllAlive();
      completed.push(level);
    }
  } catch (error) {
    failure = error; // report what was measured, then fail
  }
  saveWindow();
  process.stdout.write(report({ ...options, levels: completed }, results, portkey.version));
  if (failure) throw failure;
}

function summarize(entry) {
  const ok = entry.ttftStreams.filter((r) => r.error === null && r.ttftMs !== null);
  const ttft = ok.map((r) => r.ttftMs);
  // Time to the last token over full-length answers only (at concurrency 1 the TTFT samples are short).
  const lastToken = entry.all
    .filter((r) => r.ok && r.received === entry.fullTokens)
    .map((r) => r.lastTokenMs);
  const wall = entry.rateRounds.reduce((sum, r) => sum + r.wallMs, 0);
  const tokens = entry.rateRounds.reduce((sum, r) => sum + r.tokens, 0);
  const all = entry.all;
  const perStream = (total) => (all.length > 0 ? total / all.length : Number.NaN);
  return {
    samples: ttft.length,
    ttftP50: percentile(ttft, 50),
    ttftP99: percentile(ttft, 99),
    lastTokenP50: percentile(lastToken, 50),
    tokensPerSecond: wall > 0 ? (tokens / wall) * 1000 : Number.NaN,
    cpuMsPerStream: perStream(entry.cpuMs[0] + entry.cpuMs[1]),
    cpuMsPerStreamByProcess: entry.cpuMs.map(perStream),
    writesPerStream: perStream(entry.writes[0] + entry.writes[1]),
    writesPerStreamByProcess: entry.writes.map(perStream),
    streams: all.length,
    complete: all.filter((r) => r.ok).length,
    errors: all.filter((r) => r.error !== null).length,
    firstError: all.find((r) => r.error !== null)?.error ?? null,
    lost: all.reduce((sum, r) => sum + r.lost, 0),
    reordered: all.reduce((sum, r) => sum + r.reordered, 0),
    duplicated: all.reduce((sum, r) => sum + r.duplicated, 0),
  };
}

const ratio = (ours, theirs) =>
  Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0 ? ours / theirs : Number.NaN;
const fmtRatio = (value) => (Number.isFinite(value) ? value.toFixed(2) : '—');

function report(options, results, portkeyVersion) {
  const timing = [];
  const correctness = [];
  const verdicts = [];
  for (const level of options.levels) {
    const s = Object.fromEntries(TARGETS.map((name) => [name, summarize(results[level][name])]));
    const added = (name, q) => s[name][`ttftP${q}`] - s.direct[`ttftP${q}`];
    const ratios = {
      50: ratio(added('conduit', 50), added('portkey', 50)),
      99: ratio(added('conduit', 99), added('portkey', 99)),
    };
    const lastToken = {
      portkey: s.portkey.lastTokenP50,
      conduit: s.conduit.lastTokenP50,
    };
    timing.push([
      String(level),
      `${s.direct.samples}/${s.portkey.samples}/${s.conduit.samples}`,
      `${fmtMs(s.direct.ttftP50)} / ${fmtMs(s.direct.ttftP99)}`,
      `${fmtSigned(added('portkey', 50))} / ${fmtSigned(added('portkey', 99))}`,
      `${fmtSigned(added('conduit', 50))} / ${fmtSigned(added('conduit', 99))}`,
      `${fmtRatio(ratios[50])} / ${fmtRatio(ratios[99])}`,
      `${fmtMs(s.direct.lastTokenP50)} / ${fmtMs(lastToken.portkey)} / ${fmtMs(lastToken.conduit)}`,
      `${fmtMs(s.direct.tokensPerSecond, 0)} / ${fmtMs(s.portkey.tokensPerSecond, 0)} / ${fmtMs(s.conduit.tokensPerSecond, 0)}`,
      `${fmtMs(s.portkey.cpuMsPerStream, 2)} / ${fmtMs(s.conduit.cpuMsPerStream, 2)} (${s.conduit.cpuMsPerStreamByProcess.map((v) => fmtMs(v, 1)).join('+')})`,
      `${fmtMs(s.portkey.writesPerStream, 0)} / ${fmtMs(s.conduit.writesPerStream, 0)} (${s.conduit.writesPerStreamByProcess.map((v) => fmtMs(v, 0)).join('+')})`,
    ]);
    for (const name of TARGETS) {
      const t = s[name];
      correctness.push([
        `${level} ${name}`,
        String(t.streams),
        String(t.complete),
        String(t.errors),
        String(t.lost),
        String(t.reordered),
        String(t.duplicated),
        t.firstError ? t.firstError.slice(0, 60) : '',
      ]);
    }
    const at = `${level} stream${level === 1 ? '' : 's'}`;
    const verdict = (target, measured, pass) =>
      verdicts.push([`${at}: ${target}`, measured, pass ? 'PASS' : 'FAIL']);
    // Where the peer adds nothing measurable, there is no share of it to be under.
    verdict(
      "added TTFT p50 ≤ ½ of Portkey's",
      `${fmtSigned(added('conduit', 50))} vs ${fmtSigned(added('portkey', 50))} ms (×${fmtRatio(ratios[50])})`,
      Number.isFinite(ratios[50]) && ratios[50] <= TTFT_P50_RATIO,
    );
    verdict(
      "added TTFT p99 ≤ Portkey's",
      `${fmtSigned(added('conduit', 99))} vs ${fmtSigned(added('portkey', 99))} ms (×${fmtRatio(ratios[99])})`,
      Number.isFinite(ratios[99]) && ratios[99] <= TTFT_P99_RATIO,
    );
    const cpu = ratio(s.conduit.cpuMsPerStream, s.portkey.cpuMsPerStream);
    verdict(
      "CPU per stream (gateway + chat) ≤ Portkey's",
      `${fmtMs(s.conduit.cpuMsPerStream, 2)} vs ${fmtMs(s.portkey.cpuMsPerStream, 2)} ms (×${fmtRatio(cpu)})`,
      Number.isFinite(cpu) && cpu <= 1,
    );
    if (level === LAST_TOKEN_LEVEL) {
      const last = ratio(lastToken.conduit, lastToken.portkey);
      verdict(
        `time to last token p50 ≤ Portkey's + ${LAST_TOKEN_MARGIN * 100} %`,
        `${fmtMs(lastToken.conduit)} vs ${fmtMs(lastToken.portkey)} ms (×${fmtRatio(last)})`,
        Number.isFinite(last) && last <= 1 + LAST_TOKEN_MARGIN,
      );
    }
    const c = s.conduit;
    const intact = c.complete === c.streams && c.lost === 0 && c.reordered === 0 && c.duplicated === 0;
    verdict(
      'no token lost, reordered or duplicated',
      `${c.complete}/${c.streams} complete, ${c.lost} lost, ${c.reordered} reordered, ${c.duplicated} duplicated, ${c.errors} errors`,
      intact,
    );
  }
  const out = [
    '',
    `gateway-vs-peer: ${options.tokens}-token answers at ${options.intervalMs} ms pacing from one fake OpenAI server; ` +
      `concurrency 1 TTFT from ${options.samples} interleaved triples of ${options.c1Tokens}-token answers, its tokens/s from ` +
      `${options.c1Full} full-length triples; higher levels in rotating rounds.`,
    `direct = client → fake; portkey = client → Portkey ${portkeyVersion} → fake; conduit = client → gateway /v1 → NATS → chat → fake.`,
    "Added TTFT = the path's TTFT percentile minus the direct one at the same level; last token = time to the last " +
      'token of full-length answers; writes = write system calls (socket writes) of Portkey / gateway + chat. Times in ms.',
    describeMachine(options.loadBefore),
    '',
    table(
      [
        'conc',
        'samples d/p/c',
        'direct TTFT p50/p99',
        'portkey added p50/p99',
        'conduit added p50/p99',
        'ratio c/p p50/p99',
        'last token p50 d/p/c',
        'tok/s d/p/c',
        'CPU ms/stream p/c (gw+chat)',
        'writes/stream p/c (gw+chat)',
      ],
      timing,
    ),
    '',
    table(
      ['streams', 'count', 'complete', 'errors', 'tokens lost', 'reordered', 'duplicated', 'first error'],
      correctness,
    ),
    '',
    table(['target', 'measured', ''], verdicts),
    '',
  ];
  return out.join('\n') + '\n';
}

const options = optionsOrExit('gateway-vs-peer', () => parseOptions(process.argv.slice(2)));
runBenchmark('gateway-vs-peer', (context) => run(options, context));
