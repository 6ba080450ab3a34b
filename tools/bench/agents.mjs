#!/usr/bin/env node
// npm run bench -- agents [--runs N] [--concurrency N] [--calls N] [--model-latency-ms N]
//
// The agents service, built (services/agents/dist), with the usage service it meters through, against
// the local NATS, Postgres and Redis. Phases (each one function below; add one by appending to PHASES):
//   - overhead: --runs agent runs, --concurrency at a time, over the bus as the gateway starts them
//     (stream opened, start request, every event read to `done`), on a fake OpenAI server in its own
//     process that answers each step after a fixed --model-latency-ms (through the real adapter and SDK);
//     each run asks for --calls parallel calls of the instant `calculator` tool: two steps per run. The
//     orchestration overhead per step is the run's time as its client saw it less the tools' time (as the
//     run stored it) and the model's fixed latency per step, over its steps (lib/agent-overhead.mjs):
//     everything else, the model adapter and HTTP exchange included, counts as overhead. Targets apply.
//   - instant: the same runs on the offline model, which answers at once in-process. With nothing to wait
//     for, 20 concurrent runs keep every CPU busy, and a run's time is the queue for them (concurrency over
//     throughput): printed for the throughput, no verdict.
//   - schedules: --schedules schedules due in the same minute, fired by two more agents replicas with
//     their scheduler on; the time from the slot to each notification, and that each fired exactly once
//     (lib/agents-schedules.mjs).
// Prints PASS/FAIL for the targets of the agents issue. Exits 0 whether or not they are met.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { overheadPerStep, overheadPerStepOverLatency } from './lib/agent-overhead.mjs';
import { FAKE_API_KEY, startFakeOpenAiProcess } from './lib/chat-platform.mjs';
import { schedulesPhase } from './lib/agents-schedules.mjs';
import { describeMachine, optionsOrExit, parseFlags, pool, runBenchmark } from './lib/harness.mjs';
import {
  cpuMs,
  HarnessError,
  prepareNamespace,
  requireBuilt,
  requireFromRoot,
  startService,
  writeSyscalls,
} from './lib/platform.mjs';
import { fmtMs, percentile, table } from './lib/stats.mjs';

const HELP = `npm run bench -- agents [flags]   (each flag also as env BENCH_<NAME>)
  --runs N          agent runs measured (default 400)
  --concurrency N   runs at once (default 20)
  --calls N         parallel tool calls in each run's first step (default 2)
  --warmup N        runs before measuring (default 40)
  --model-latency-ms N  the fake model's fixed time per step in the overhead phase (default 200)
  --phases LIST     the phases to run, comma-separated (default overhead,instant,schedules)
  --schedules N     schedules due in the same minute in the schedules phase (default 1000)
  --cpu-prof DIR    write the V8 CPU profiles of the agents and usage processes into DIR, with
                    DIR/window.json saying when the last measured runs ran (summarise them with
                    node tools/bench/lib/cpu-profile-summary.mjs DIR)`;

/** The CPU profiles' clock (CLOCK_MONOTONIC, µs), for the window the summary counts. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** p50, p90, p99 and max, formatted. */
const quantiles = (values) => [50, 90, 99, 100].map((q) => fmtMs(percentile(values, q), 2));

const TARGETS = { overheadP50Ms: 5, overheadP99Ms: 20 };

function parseOptions(argv) {
  return {
    ...parseFlags(
      argv,
      {
        runs: { default: 400, min: 1 },
        concurrency: { default: 20, min: 1 },
        calls: { default: 2, min: 1 },
        warmup: { default: 40, min: 0 },
        'model-latency-ms': { default: 200, min: 1 },
        schedules: { default: 1000, min: 1 },
        'cpu-prof': null,
        phases: null,
      },
      HELP,
    ),
    loadBefore: loadavg(),
  };
}

/** Starts the usage and agents services on the namespace; resolves with a bus client and the contracts. */
async function startPlatform({ infra, ns, cleanup, log }, options) {
  requireBuilt({ services: ['agents', 'usage'], libs: ['contracts', 'bus', 'db'] });
  const schemas = await prepareNamespace({ infra, ns, cleanup, log }, ['agents', 'usage']);
  log(`starting the fake OpenAI server (${options.modelLatencyMs} ms a step)`);
  const fake = await startFakeOpenAiProcess({
    tokens: 1,
    intervalMs: 0,
    firstTokenMs: options.modelLatencyMs,
  });
  cleanup.add('fake OpenAI', () => fake.stop());
  const common = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: ns.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
  };
  log('starting usage and agents');
  const profiled = options.cpuProf ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', options.cpuProf] } : {};
  const usage = await startService('usage', { ...common, DATABASE_SCHEMA: schemas.usage }, profiled);
  cleanup.add('usage', () => usage.stop());
  const agentsEnv = {
    ...common,
    DATABASE_SCHEMA: schemas.agents,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: ns.redisKeyPrefix,
    AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENAI_API_KEY: FAKE_API_KEY,
    OPENAI_BASE_URL: fake.url,
  };
  const agents = await startService(
    'agents',
    // Fire nothing: this measures runs alone (the schedules phase starts replicas that fire).
    { ...agentsEnv, AGENTS_SCHEDULER_ENABLED: 'false' },
    profiled,
  );
  cleanup.add('agents', () => agents.stop());
  const { Bus } = requireFromRoot('@conduit/bus');
  const contracts = requireFromRoot('@conduit/contracts');
  const bus = await Bus.connect({
    url: infra.natsUrl,
    name: 'bench-agents',
    subjectPrefix: ns.subjectPrefix,
  });
  cleanup.add('bus', () => bus.close());
  return { bus, contracts, services: { usage, agents }, agentsEnv, cleanup };
}

/** One run as a client runs it; resolves with its figures once its last event is in. */
async function measuredRun({ bus, contracts: { AgentsContract } }, caller, agentId, input) {
  const streamId = randomUUID();
  const stream = bus.openStream(AgentsContract.runStream, streamId);
  const started = performance.now();
  await bus.request(AgentsContract.startRun, { streamId, agentId, input }, caller);
  const ackMs = performance.now() - started;
  const events = [];
  let firstEventMs = null;
  let lastButOneMs = 0;
  for await (const event of stream) {
    firstEventMs ??= performance.now() - started;
    if (event.type !== 'done') lastButOneMs = performance.now() - started;
    events.push(event);
  }
  const clientMs = performance.now() - started;
  const done = events[events.length - 1];
  if (done?.type !== 'done' || done.stopReason !== 'completed')
    throw new HarnessError(`run ${streamId} did not complete: ${JSON.stringify(done)}`);
  return { runId: streamId, clientMs, ackMs, firstEventMs, lastButOneMs, events: events.length };
}

/**
 * Each measured run with its steps and timings as the run stored them, read once every run is done, so
 * reading them adds no load while runs are measured.
 */
function withStoredTimings({ bus, contracts: { AgentsContract } }, caller, agentId, measured, concurrency) {
  return pool(measured.length, concurrency, async (i) => {
    const run = measured[i];
    const stored = await bus.request(AgentsContract.getRun, { agentId, runId: run.runId }, caller);
    return { ...run, steps: stored.steps, toolCalls: stored.toolCalls, ...stored.timings };
  });
}

/**
 * --runs runs of an agent on `model` (after --warmup), --concurrency at a time; prints their figures and
 * resolves with them and the overhead per step of each (`overheadOf(run)`).
 */
async function measureRuns(platform, options, log, { model, overheadOf }) {
  const { AgentsContract } = platform.contracts;
  const caller = { userId: `bench-${randomUUID()}` };
  const agent = await platform.bus.request(
    AgentsContract.createAgent,
    { name: 'bench', model, tools: ['calculator'], limits: { maxSteps: 50, maxToolCalls: 200 } },
    caller,
  );
  const input = Array.from(
    { length: options.calls },
    (_, i) => `call calculator {"expression": "${i} + 1"}`,
  ).join('\n');
  const once = () => measuredRun(platform, caller, agent.id, input);
  log(`${model}: warming up with ${options.warmup} runs`);
  await pool(options.warmup, options.concurrency, once);
  log(`${model}: measuring ${options.runs} runs, ${options.concurrency} at a time`);
  const { agents, usage } = platform.services;
  const cpuBefore = [cpuMs(agents.pid), cpuMs(usage.pid)];
  const writesBefore = [writeSyscalls(agents.pid), writeSyscalls(usage.pid)];
  const window = { fromUs: monotonicUs(), toUs: Number.POSITIVE_INFINITY };
  const wallStart = performance.now();
  const measured = await pool(options.runs, options.concurrency, once);
  const wallSeconds = (performance.now() - wallStart) / 1000;
  window.toUs = monotonicUs();
  const [agentsCpuMs, usageCpuMs] = [cpuMs(agents.pid) - cpuBefore[0], cpuMs(usage.pid) - cpuBefore[1]];
  const [agentsWrites, usageWrites] = [
    writeSyscalls(agents.pid) - writesBefore[0],
    writeSyscalls(usage.pid) - writesBefore[1],
  ];
  if (options.cpuProf) {
    mkdirSync(options.cpuProf, { recursive: true });
    writeFileSync(join(options.cpuProf, 'window.json'), JSON.stringify(window));
  }
  const runs = await withStoredTimings(platform, caller, agent.id, measured, options.concurrency);
  if (!platform.services.agents.alive())
    throw new HarnessError(`agents died:\n${platform.services.agents.output()}`);
  const perStep = runs.map(overheadOf);
  const overModelTime = runs.map(overheadPerStep);
  const serviceOnly = runs.map((r) => Math.max(0, r.totalMs - r.modelMs - r.toolsMs) / r.steps);
  console.log(`\n${model}:`);
  console.log(
    table(
      ['per run (ms)', 'p50', 'p90', 'p99', 'max'],
      [
        ['start acknowledged', ...quantiles(runs.map((r) => r.ackMs))],
        ['first event', ...quantiles(runs.map((r) => r.firstEventMs))],
        ['last event before done', ...quantiles(runs.map((r) => r.lastButOneMs))],
        ['client time (to done)', ...quantiles(runs.map((r) => r.clientMs))],
        ['model time', ...quantiles(runs.map((r) => r.modelMs))],
        ['tools time', ...quantiles(runs.map((r) => r.toolsMs))],
        ['overhead per step', ...quantiles(perStep)],
        ['  over the model time', ...quantiles(overModelTime)],
        ['  of it inside the loop', ...quantiles(serviceOnly)],
      ],
    ),
  );
  const runsPerSecond = runs.length / wallSeconds;
  console.log(
    `${runs.length} runs of ${runs[0].steps} steps and ${runs[0].toolCalls} tool calls (${runs[0].events} events) in ${wallSeconds.toFixed(1)} s: ${runsPerSecond.toFixed(0)} runs/s at ${options.concurrency} concurrent`,
  );
  console.log(
    `per run: CPU agents ${(agentsCpuMs / runs.length).toFixed(2)} ms, usage ${(usageCpuMs / runs.length).toFixed(2)} ms; write system calls agents ${(agentsWrites / runs.length).toFixed(1)}, usage ${(usageWrites / runs.length).toFixed(1)}`,
  );
  return { perStep, overModelTime, runsPerSecond };
}

/** The targets, on a model that takes a fixed time per step. */
async function overheadPhase(platform, options, log) {
  const latencyMs = options.modelLatencyMs;
  const { perStep, overModelTime } = await measureRuns(platform, options, log, {
    model: 'openai/gpt-4o-mini',
    overheadOf: (run) => overheadPerStepOverLatency(run, latencyMs),
  });
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  const setting = `at ${options.concurrency} concurrent runs, model ${latencyMs} ms a step`;
  // The targets as the issue defines the overhead: the run's time less the model's and the tools' time,
  // the model's as the agent timed its calls. The stricter figure, which also counts the model adapter,
  // the SDK and the HTTP exchange (all but the fixed latency), is printed beside them.
  const p50 = percentile(overModelTime, 50);
  const p99 = percentile(overModelTime, 99);
  return [
    `${verdict(p50 <= TARGETS.overheadP50Ms)} orchestration overhead per step (over the model's and tools' time) p50 ≤ ${TARGETS.overheadP50Ms} ms ${setting} (${fmtMs(p50, 2)})`,
    `${verdict(p99 <= TARGETS.overheadP99Ms)} orchestration overhead per step (over the model's and tools' time) p99 ≤ ${TARGETS.overheadP99Ms} ms ${setting} (${fmtMs(p99, 2)})`,
    `info: counting the model call's own overhead too (everything but the fixed ${latencyMs} ms), per step p50 ${fmtMs(percentile(perStep, 50), 2)}, p99 ${fmtMs(percentile(perStep, 99), 2)}`,
  ];
}

/** The same runs on the instant offline model: throughput, and the queue it makes at --concurrency. */
async function instantPhase(platform, options, log) {
  const { perStep, runsPerSecond } = await measureRuns(platform, options, log, {
    model: 'offline/echo-tools',
    overheadOf: overheadPerStep,
  });
  return [
    `info: instant model: ${runsPerSecond.toFixed(0)} runs/s at ${options.concurrency} concurrent; a run's time is then the CPU queue (${options.concurrency} / ${runsPerSecond.toFixed(0)} runs/s = ${fmtMs((1000 * options.concurrency) / runsPerSecond, 1)} ms), per step p50 ${fmtMs(percentile(perStep, 50), 2)} (no target: see the overhead phase)`,
  ];
}

/** The phases, in order: each gets the running platform, the options and the log, and answers its verdicts. */
const PHASES = [
  { name: 'overhead', run: overheadPhase },
  { name: 'instant', run: instantPhase },
  { name: 'schedules', run: schedulesPhase },
];

async function main({ infra, ns, cleanup, log }, options) {
  const platform = await startPlatform({ infra, ns, cleanup, log }, options);
  const verdicts = [];
  const chosen = options.phases ? String(options.phases).split(',') : PHASES.map((p) => p.name);
  const unknown = chosen.filter((name) => !PHASES.some((p) => p.name === name));
  if (unknown.length > 0) throw new HarnessError(`unknown phases: ${unknown.join(', ')}`);
  for (const phase of PHASES.filter((p) => chosen.includes(p.name))) {
    log(`phase ${phase.name}`);
    verdicts.push(...(await phase.run(platform, options, log)));
  }
  console.log(describeMachine(options.loadBefore));
  for (const line of verdicts) console.log(line);
}

const options = optionsOrExit('agents', () => parseOptions(process.argv.slice(2)));
runBenchmark('agents', (context) => main(context, options));
