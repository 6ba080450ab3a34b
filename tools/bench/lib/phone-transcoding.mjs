// The audio work of phone calls, as the services do it per call: the caller's 20 ms μ-law frames decoded
// to PCM (gateway, alawmulaw) and resampled 8 → 16 kHz for the VAD and recogniser (voice service,
// PcmResampler), and the answer's PCM resampled from the synthesiser's rate to 8 kHz (voice service)
// and encoded to 20 ms μ-law frames (gateway). Uses the built modules of both services.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { HarnessError, REPO_ROOT, requireFromRoot } from './platform.mjs';
import { fmtMs, percentile, table } from './stats.mjs';
import { FRAME_MS } from './voice-session-driver.mjs';

export const PHONE_RATE = 8_000;
/** The rate the VAD and recognisers take. */
export const PIPELINE_RATE = 16_000;

const built = (service, file) => requireFromRoot(join(REPO_ROOT, 'services', service, 'dist', file));

/** The services' own transcoding code, from their `dist/`. */
export function loadTranscoders() {
  const { mulawToPcm16, MulawFramer } = built('gateway', 'telephony/mulaw-audio.js');
  const { PcmResampler } = built('voice', 'audio/pcm-resampler.js');
  return { mulawToPcm16, MulawFramer, PcmResampler };
}

/** `pcm` (16-bit) cut into 20 ms frames at `rate`, the last one dropped if short. */
export function pcmFrames(pcm, rate) {
  const bytes = (rate / 1000) * FRAME_MS * 2;
  const frames = [];
  for (let at = 0; at + bytes <= pcm.length; at += bytes) frames.push(pcm.subarray(at, at + bytes));
  return frames;
}

/** One call's two directions, each with its own resampler state as in the services. */
export class PhoneCallTranscoder {
  static async open(transcoders, replyRate) {
    const { PcmResampler, MulawFramer } = transcoders;
    const inbound = await PcmResampler.open(PHONE_RATE, PIPELINE_RATE);
    const outbound = await PcmResampler.open(replyRate, PHONE_RATE);
    return new PhoneCallTranscoder(transcoders, inbound, outbound, new MulawFramer());
  }

  constructor(transcoders, inbound, outbound, framer) {
    this.transcoders = transcoders;
    this.inbound = inbound;
    this.outbound = outbound;
    this.framer = framer;
  }

  /** A caller frame: μ-law → PCM 8 kHz → PCM 16 kHz. Returns the pipeline's PCM. */
  in(mulawFrame) {
    return this.inbound.process(this.transcoders.mulawToPcm16(mulawFrame));
  }

  /** A reply frame: PCM at the reply's rate → PCM 8 kHz → μ-law frames (20 ms each, as sent to Twilio). */
  out(replyPcm) {
    return this.framer.push(this.outbound.process(replyPcm));
  }

  close() {
    this.inbound.close();
    this.outbound.close();
  }
}

/**
 * Whether a paced run kept up: every tick (20 ms of audio for every call, both directions) is due at
 * `start + i * 20 ms`; `lagMs` is how late its work finished after it was due. Real-time factor: audio
 * seconds transcoded (per call and direction) per CPU second (this process's, so time the machine gave
 * to others does not count).
 */
export function realTimeSummary({ calls, ticks, cpuMs, lagsMs, wallMs }) {
  const audioSeconds = (calls * 2 * ticks * FRAME_MS) / 1000;
  return {
    audioSeconds,
    /** Audio seconds per CPU second: how many times real time one core transcodes. */
    realTimeFactor: cpuMs > 0 ? audioSeconds / (cpuMs / 1000) : Infinity,
    /** Share of one core the calls need at real-time pace. */
    coreShare: wallMs > 0 ? cpuMs / wallMs : 0,
    lagP50Ms: percentile(lagsMs, 50),
    lagP99Ms: percentile(lagsMs, 99),
    lagMaxMs: percentile(lagsMs, 100),
  };
}

/**
 * Runs `calls` calls for `ticks` ticks of 20 ms at real-time pace on this thread: each tick transcodes
 * one caller frame and one reply frame of every call. Returns the per-frame costs and the lags.
 */
export async function runPacedCalls({
  transcoders,
  calls,
  ticks,
  callerMulaw,
  replyFrames,
  replyRate,
  startSignal,
}) {
  const transcoder = await Promise.all(
    Array.from({ length: calls }, () => PhoneCallTranscoder.open(transcoders, replyRate)),
  );
  // With other threads: the start on the wall clock, once every thread has its calls open.
  const startAt = startSignal ? await startSignal() : undefined;
  const inUs = [];
  const outUs = [];
  const lagsMs = [];
  let outputFrames = 0;
  // Threads share the start on the wall clock (performance.now() has a per-thread origin).
  const start = startAt === undefined ? performance.now() : performance.now() + (startAt - Date.now());
  for (let tick = 0; tick < ticks; tick++) {
    const due = start + tick * FRAME_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    for (let call = 0; call < calls; call++) {
      // Calls are at different points of their audio, as real ones would be.
      const caller = callerMulaw[(tick + call) % callerMulaw.length];
      const reply = replyFrames[(tick + call * 7) % replyFrames.length];
      const t0 = performance.now();
      transcoder[call].in(caller);
      const t1 = performance.now();
      outputFrames += transcoder[call].out(reply).length;
      const t2 = performance.now();
      if (tick % 10 === 0) {
        inUs.push((t1 - t0) * 1000);
        outUs.push((t2 - t1) * 1000);
      }
    }
    const ended = performance.now();
    // The tick's audio is due when its 20 ms have passed: finishing later than that is falling behind.
    lagsMs.push(Math.max(0, ended - (due + FRAME_MS)));
  }
  const wallMs = performance.now() - start;
  for (const t of transcoder) t.close();
  return { inUs, outUs, lagsMs, wallMs, outputFrames };
}

/** A caller's 20 ms μ-law frames of espeak-ng speech, and a reply's 20 ms PCM frames at `replyRate`. */
function speechFrames(replyRate) {
  const { spokenPcm } = requireFromRoot('@conduit/testing');
  const { pcm16ToMulaw } = built('gateway', 'telephony/mulaw-audio.js');
  let caller;
  let reply;
  try {
    caller = spokenPcm('what is the weather like in paris today', PHONE_RATE);
    reply = spokenPcm('It is sunny in Paris today, with a light breeze from the west.', replyRate);
  } catch (error) {
    throw new HarnessError(`espeak-ng and sox speak the calls' audio: ${error.message}`);
  }
  return {
    callerMulaw: pcmFrames(caller, PHONE_RATE).map(pcm16ToMulaw),
    replyFrames: pcmFrames(reply, replyRate),
  };
}

/**
 * The targets: the calls' transcoding fits in one core (the voice service's one thread could carry it,
 * leaving the other core), and at real-time pace no tick finishes more than a frame (20 ms) later than
 * an idle thread's tick paced the same way in the same run does (what the machine's own stalls cost).
 */
export const PHONE_TARGETS = { maxCoreShare: 1, maxLagOverIdleP99Ms: FRAME_MS };

/**
 * How much later than the idle thread's each thread's ticks finished: tick by tick, as both are due at
 * the same moments, so a stall of the whole machine (another process, the host) counts against neither.
 */
export function lagsOverIdle(lagsByThread, idleLagsMs) {
  return lagsByThread.flatMap((lags) => lags.map((lag, tick) => Math.max(0, lag - (idleLagsMs[tick] ?? 0))));
}

/**
 * Splits `calls` over `threads` worker threads, all paced from one start beside one idle thread (no
 * calls: the machine's own lateness); merges what they measured.
 */
async function runOnThreads({ calls, threads, ticks, replyRate, callerMulaw, replyFrames }) {
  const workers = [];
  let ready = 0;
  let cpuAtStart = null;
  const go = () => {
    cpuAtStart = process.cpuUsage();
    const startAt = Date.now() + 100;
    for (const worker of workers) worker.postMessage({ startAt });
  };
  const shares = Array.from(
    { length: threads },
    (_, i) => Math.floor(calls / threads) + (i < calls % threads ? 1 : 0),
  );
  const [idle, ...results] = await Promise.all(
    [0, ...shares.filter((share) => share > 0)].map(
      (share) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL('./phone-transcoding-worker.mjs', import.meta.url), {
            workerData: { calls: share, ticks, replyRate, callerMulaw, replyFrames },
          });
          workers.push(worker);
          worker.on('message', (message) => {
            if (message === 'ready') {
              if (++ready === workers.length) go();
            } else resolve(message);
          });
          worker.once('error', reject);
          worker.once(
            'exit',
            (code) => code !== 0 && reject(new HarnessError(`a transcoding thread exited with ${code}`)),
          );
        }),
    ),
  );
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    /** The process's CPU from the start signal on: the calls' transcoding, not the threads' start-up. */
    cpuMs: (cpu.user + cpu.system) / 1000,
    inUs: results.flatMap((r) => r.inUs),
    outUs: results.flatMap((r) => r.outUs),
    lagsMs: results.flatMap((r) => r.lagsMs),
    lagsOverIdleMs: lagsOverIdle(
      results.map((r) => r.lagsMs),
      idle.lagsMs,
    ),
    idleLagsMs: idle.lagsMs,
    wallMs: Math.max(...results.map((r) => r.wallMs)),
    outputFrames: results.reduce((sum, r) => sum + r.outputFrames, 0),
  };
}

/**
 * `calls` concurrent phone calls' transcoding for `seconds` at real-time pace, split over `threads`
 * worker threads (one per core, as voice replicas would be). Returns the report's lines.
 */
export async function phoneCallsReport({ calls, threads, seconds, replyRate, log }) {
  const { callerMulaw, replyFrames } = speechFrames(replyRate);
  const ticks = Math.round((seconds * 1000) / FRAME_MS);
  log(
    `phone calls: ${calls} calls for ${seconds} s at real-time pace on ${threads} threads (μ-law 8 kHz → ${PIPELINE_RATE / 1000} kHz in, ${replyRate / 1000} kHz → μ-law out)`,
  );
  const run = await runOnThreads({ calls, threads, ticks, replyRate, callerMulaw, replyFrames });
  const { cpuMs } = run;
  const summary = realTimeSummary({ calls, ticks, cpuMs, lagsMs: run.lagsMs, wallMs: run.wallMs });
  const perCall = summary.realTimeFactor / calls;
  const p = (values, digits = 0) =>
    `${fmtMs(percentile(values, 50), digits)} / ${fmtMs(percentile(values, 99), digits)}`;
  const verdict = (pass) => (pass ? 'PASS' : 'FAIL');
  return [
    `Phone calls: μ-law transcoding of ${calls} concurrent calls, ${seconds} s each way, paced at real time, split over ${threads} threads`,
    `(in: μ-law decode (alawmulaw) + 8 → ${PIPELINE_RATE / 1000} kHz (the voice service's PcmResampler); out: ${replyRate / 1000} → 8 kHz + μ-law encode into 20 ms frames; the services' built code).`,
    '',
    table(
      ['measure', 'p50 / p99'],
      [
        ['caller frame in (µs)', p(run.inUs)],
        ['reply frame out (µs)', p(run.outUs)],
        ["a thread's tick (20 ms of audio of its calls) finished late by (ms)", p(run.lagsMs, 1)],
        ["an idle thread's tick, paced the same (the machine's own lateness, ms)", p(run.idleLagsMs, 1)],
        ["a thread's tick later than the idle thread's same tick (ms)", p(run.lagsOverIdleMs, 1)],
      ],
    ),
    `${fmtMs(summary.audioSeconds, 0)} s of audio (both directions) in ${fmtMs(cpuMs / 1000, 2)} CPU s over ${fmtMs(run.wallMs / 1000, 1)} s:` +
      ` real-time factor ${fmtMs(summary.realTimeFactor, 0)}× (${fmtMs(perCall, 1)}× per call), ${fmtMs(summary.coreShare * 100, 0)}% of one core;` +
      ` ${run.outputFrames} μ-law reply frames; worst lag ${fmtMs(summary.lagMaxMs)} ms`,
    '',
    table(
      ['target', 'measured', ''],
      [
        [
          `${calls} calls never a frame behind (lag over the idle thread's p99 ≤ ${PHONE_TARGETS.maxLagOverIdleP99Ms} ms)`,
          `${fmtMs(percentile(run.lagsOverIdleMs, 99), 1)} ms`,
          verdict(percentile(run.lagsOverIdleMs, 99) <= PHONE_TARGETS.maxLagOverIdleP99Ms),
        ],
        [
          `${calls} calls at real time fit in one core (real-time factor ≥ ${calls}×)`,
          `${fmtMs(summary.coreShare * 100, 0)}%, ${fmtMs(summary.realTimeFactor, 0)}×`,
          verdict(summary.coreShare <= PHONE_TARGETS.maxCoreShare),
        ],
      ],
    ),
    '',
  ];
}
