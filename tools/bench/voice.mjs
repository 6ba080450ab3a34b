#!/usr/bin/env node
// npm run bench -- voice [--sessions 20] [--rounds 4] [--phone-calls 100] [--only sessions|phone|realtime] [...]
//
// The live voice path's own latency: N callers talk to the platform over the gateway's /ws/voice at the
// same time, streaming 20 ms PCM frames at real-time pace (an utterance, then silence as a microphone
// does), with providers of fixed latency (Deepgram's last transcript 100 ms after the end of the turn,
// the LLM's first token after 200 ms, ElevenLabs' first audio after 100 ms). From the moment the last
// speech frame was sent to the first reply audio byte, less the end-of-turn silence and those
// latencies, is what the platform adds. Each round a caller also speaks over a reply (barge-in), and
// every reply frame is checked for order (the fake synthesiser numbers its samples).
//
// Runs the built services (`npm run build` first) against the local NATS/Postgres/Redis (NATS_URL,
// DATABASE_URL, REDIS_URL) on a namespace of its own, removed at the end. Needs espeak-ng and sox (the
// caller's utterance). Exits 0 whether or not the targets are met, non-zero when the harness fails.
//
// Then phone calls (lib/phone-transcoding.mjs): the μ-law transcoding of --phone-calls concurrent calls
// at real-time pace, both directions, with the services' built code, PASS when no 20 ms tick of all
// calls finishes more than a frame late.
//
// `--only realtime` (lib/voice-realtime-phase.mjs): callers in `mode: "realtime"` against a local OpenAI
// Realtime server of fixed latency; what the platform adds to a turn on the way in and on the way out.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { diagnosticsFor, registerUsers } from './lib/chat-platform.mjs';
import {
  describeMachine,
  logger,
  optionsOrExit,
  parseFlags,
  pool,
  runBenchmark,
  sleep,
} from './lib/harness.mjs';
import { cpuMs, HarnessError, requireFromRoot } from './lib/platform.mjs';
import { fmtMs, percentile, table } from './lib/stats.mjs';
import { framesOf, latencyRow, mean, trimSilence } from './lib/voice-audio.mjs';
import { phoneCallsReport } from './lib/phone-transcoding.mjs';
import { realtimePhase } from './lib/voice-realtime-phase.mjs';
import { startFakeVoiceProviders, startVoicePlatform } from './lib/voice-platform.mjs';
import { FRAME_MS, MicrophoneClock, VoiceBenchSession } from './lib/voice-session-driver.mjs';

const HELP = `npm run bench -- voice [flags]   (each flag also as env BENCH_<NAME>, e.g. BENCH_SESSIONS=5)
  --sessions N        concurrent callers (default 20)
  --rounds N          rounds per caller; each is a plain turn, then a turn spoken over (barge-in) and the
                      turn that barged in (default 4: 12 turns and 4 barge-ins per caller)
  --silence-ms N      end-of-turn silence the callers ask for in \`start\` (default 600)
  --stt-ms N          Deepgram's last transcript after the end of the turn (default 100)
  --llm-ms N          the LLM's first token (default 200)
  --tts-ms N          ElevenLabs' first audio byte (default 100)
  --token-interval-ms N  the LLM's pace after its first token (default 20)
  --barge-after-ms N  how much of a reply plays before the caller speaks over it (default 500)
  --min-speech-ms N   the voice service's VOICE_MIN_SPEECH_MS (default 200): speech needed to start a turn
  --cpu-prof DIR      run gateway, chat and voice with --cpu-prof, profiles written to DIR at the end
  --phone-calls N     phone calls whose μ-law transcoding runs at real-time pace after the sessions
                      (default 100; 0 skips it)
  --phone-seconds N   seconds of audio each phone call transcodes each way (default 20)
  --phone-threads N   threads the calls are split over, as over voice replicas (default 1: one replica)
  --phone-reply-rate N  the synthesiser's rate the answers are resampled from (default 24000)
  --realtime-sessions N  callers of the realtime phase (default 10)
  --realtime-rounds N    measured turns per realtime caller, after a warm-up turn (default 3)
  --realtime-response-ms N  the fake OpenAI Realtime's first audio after its commit (default 200)
  --only WHAT         \`sessions\` or \`phone\`: run that part alone (default both); \`realtime\`: the
                      realtime phase alone (callers in mode "realtime" against a fake OpenAI Realtime)`;

const TARGETS = { overheadP50Ms: 40, overheadP99Ms: 120, bargeInP99Ms: 100 };
const SAMPLE_RATE = 16_000;
const UTTERANCE = 'What is the weather like in Paris today?';
/** The LLM's answer: its first token is a whole sentence, so speech can start on it. */
const ANSWER_TOKENS = [
  'Sure thing. ',
  'It',
  ' is',
  ' sunny',
  ' in',
  ' Paris',
  ' today,',
  ' with',
  ' a',
  ' light',
  ' breeze',
  ' from',
  ' the',
  ' west.',
  ' Tomorrow',
  ' brings',
  ' some',
  ' rain',
  ' in',
  ' the',
  ' afternoon.',
];
const TURN_TIMEOUT_MS = 20_000;

const log = logger('voice');

function parseOptions(argv) {
  const options = parseFlags(
    argv,
    {
      sessions: { default: 20, min: 1 },
      rounds: { default: 4, min: 1 },
      'silence-ms': { default: 600, min: 200 },
      'stt-ms': 100,
      'llm-ms': 200,
      'tts-ms': 100,
      'token-interval-ms': 20,
      'barge-after-ms': 500,
      'min-speech-ms': { default: 200, min: 20 },
      'cpu-prof': null,
      'phone-calls': 100,
      'phone-seconds': { default: 20, min: 1 },
      'phone-threads': { default: 1, min: 1 },
      'phone-reply-rate': { default: 24_000, min: 8_000 },
      'realtime-sessions': { default: 10, min: 1 },
      'realtime-rounds': { default: 3, min: 1 },
      'realtime-response-ms': 200,
      only: 'both',
    },
    HELP,
  );
  if (!['both', 'sessions', 'phone', 'realtime'].includes(options.only))
    throw new HarnessError(`--only must be sessions, phone or realtime\n${HELP}`);
  return { ...options, cpuProfDir: options.cpuProf, loadBefore: loadavg() };
}

/** The caller's question, spoken by espeak-ng, without the silence around it. */
function utteranceFrames() {
  const { spokenPcm } = requireFromRoot('@conduit/testing');
  let pcm;
  try {
    pcm = spokenPcm(UTTERANCE, SAMPLE_RATE);
  } catch (error) {
    throw new HarnessError(`espeak-ng and sox speak the callers' question: ${error.message}`);
  }
  return framesOf(trimSilence(pcm), (SAMPLE_RATE * FRAME_MS * 2) / 1000);
}

async function run(options, { infra, ns, cleanup }) {
  const speech = utteranceFrames();
  log(`the utterance: ${speech.length * FRAME_MS} ms of speech`);
  const providersMs = options.sttMs + options.llmMs + options.ttsMs;
  const fakes = await startFakeVoiceProviders({
    llmMs: options.llmMs,
    sttMs: options.sttMs,
    ttsMs: options.ttsMs,
    tokenIntervalMs: options.tokenIntervalMs,
    answerTokens: ANSWER_TOKENS,
    // 100 ms chunks of audio, 1 s per spoken piece, produced five times faster than real time.
    tts: { chunkBytes: (SAMPLE_RATE * 2) / 10, chunks: 10, chunkIntervalMs: 20 },
  });
  cleanup.add('fake voice providers', () => fakes.stop());
  const diagnostics = diagnosticsFor({ cpuProfDir: options.cpuProfDir });
  const { gateway, voice, assertAlive } = await startVoicePlatform({
    infra,
    ns,
    cleanup,
    log,
    fakes,
    sampleRate: SAMPLE_RATE,
    diagnostics,
    voiceEnv: { VOICE_MIN_SPEECH_MS: String(options.minSpeechMs) },
  });
  log(`registering ${options.sessions} users`);
  const tokens = await registerUsers(gateway, ns, options.sessions);
  const WebSocket = requireFromRoot('ws');
  const clock = new MicrophoneClock();
  const url = `ws://127.0.0.1:${gateway.port}/ws/voice`;
  const start = {
    type: 'start',
    sampleRate: SAMPLE_RATE,
    encoding: 'pcm16',
    outputFormat: 'pcm16',
    endOfTurnSilenceMs: options.silenceMs,
  };
  const newSession = (i) =>
    new VoiceBenchSession({
      WebSocket,
      url,
      token: tokens[i],
      start,
      clock,
      minSpeechMs: options.minSpeechMs,
      providersMs,
    });

  // ---- warm-up: one caller, one plain turn and one barge-in (JIT, connection pools, prepared statements) ----
  log('warm-up: one caller, a turn and a barge-in');
  const warm = newSession(0);
  await warm.open();
  try {
    await warm.utterance(speech, TURN_TIMEOUT_MS);
    await warm.bargeIn(speech, options.bargeAfterMs, TURN_TIMEOUT_MS);
  } finally {
    await warm.close();
  }
  assertAlive();

  // ---- the measured run ----
  log(`${options.sessions} callers, ${options.rounds} rounds each`);
  const pids = { gateway: gateway.pid, voice: voice.pid };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  const sessions = Array.from({ length: options.sessions }, (_, i) => newSession(i));
  await pool(sessions.length, 8, (i) => sessions[i].open());
  const startedAt = performance.now();
  // Callers start spread over one plain turn, so their turns do not all end on the same frame.
  const spreadMs = speech.length * FRAME_MS + options.silenceMs + providersMs + 3_000;
  const failures = [];
  await Promise.all(
    sessions.map(async (session, i) => {
      await sleep((spreadMs * i) / sessions.length);
      try {
        for (let round = 0; round < options.rounds; round++) {
          await session.utterance(speech, TURN_TIMEOUT_MS);
          await sleep(300);
          await session.bargeIn(speech, options.bargeAfterMs, TURN_TIMEOUT_MS);
          await sleep(300);
        }
      } catch (error) {
        failures.push(`caller ${i}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  const wallMs = performance.now() - startedAt;
  const cpu = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid) - cpuBefore[name]]),
  );
  await Promise.all(sessions.map((session) => session.close()));
  assertAlive();
  report(options, {
    sessions,
    clock,
    failures,
    wallMs,
    cpu,
    providersMs,
    speechMs: speech.length * FRAME_MS,
  });
  if (failures.length === sessions.length)
    throw new HarnessError(`every caller failed:\n${failures.join('\n')}`);
}

function report(options, { sessions, clock, failures, wallMs, cpu, providersMs, speechMs }) {
  const all = (key) => sessions.flatMap((s) => s.samples[key]);
  const overhead = all('overheadMs');
  const waited = all('endToFirstAudioMs');
  const toCancelled = all('bargeToCancelledMs');
  const toLastAudio = all('bargeToLastAudioMs');
  const vadOffset = all('vadOffsetMs');
  const metrics = sessions.flatMap((s) => [...s.turns.values()].map((t) => t.metrics).filter(Boolean));
  const replies = metrics.filter((m) => m.endOfSpeechToFirstAudioMs !== null);
  const breaks = sessions.reduce((sum, s) => sum + s.order.breaks, 0);
  const stray = sessions.reduce((sum, s) => sum + s.strayFrames, 0);
  const samples = sessions.reduce((sum, s) => sum + s.order.samples, 0);
  const errors = sessions.flatMap((s) => s.errors);
  const avg = (key) => mean(replies.map((m) => m[key]).filter((v) => v !== null));

  const out = [''];
  out.push(
    `voice: ${options.sessions} concurrent callers over /ws/voice, ${options.rounds} rounds each (a turn, a turn spoken over, the turn that barged in);` +
      ` ${speechMs} ms utterance (espeak-ng) in 20 ms pcm16 frames at 16 kHz, real-time paced; end-of-turn silence ${options.silenceMs} ms.`,
  );
  out.push(
    `providers (fakes on their wire protocols): Deepgram live last transcript +${options.sttMs} ms, OpenAI chat first token +${options.llmMs} ms,` +
      ` ElevenLabs first audio +${options.ttsMs} ms = ${providersMs} ms. Times in ms, measured at the caller.`,
  );
  out.push(describeMachine(options.loadBefore));
  out.push('');
  out.push(
    table(
      ['measure', 'samples', 'p50 / p99', 'mean'],
      [
        latencyRow('end of speech → first reply audio', waited),
        latencyRow(`platform overhead (less ${options.silenceMs} + ${providersMs})`, overhead),
        latencyRow('barge-in → audio.cancelled', toCancelled),
        latencyRow('barge-in → last reply frame received', toLastAudio),
        latencyRow('VAD end of speech − last speech frame', vadOffset),
        latencyRow('caller frame send lateness', clock.lateness),
      ],
    ),
  );
  out.push(
    `(barge-in is timed from the caller frame that completed the ${options.minSpeechMs} ms of speech a turn needs (VOICE_MIN_SPEECH_MS),` +
      ' as the overhead is from the end of the silence; "last reply frame" counts 0 when none arrived after that frame)',
  );
  out.push('');
  const stage = (a, b) => mean(replies.filter((m) => m[a] !== null && m[b] !== null).map((m) => m[b] - m[a]));
  out.push(
    `turn.metrics averages over ${replies.length} turns with a reply (ms from the VAD's end of speech):`,
  );
  out.push(
    table(
      ['firstPartial', 'finalTranscript', 'llmFirstToken', 'ttsFirstByte', 'endOfSpeechToFirstAudio'],
      [
        [
          fmtMs(avg('firstPartialMs')),
          fmtMs(avg('finalTranscriptMs')),
          fmtMs(avg('llmFirstTokenMs')),
          fmtMs(avg('ttsFirstByteMs')),
          fmtMs(avg('endOfSpeechToFirstAudioMs')),
        ],
      ],
    ),
  );
  out.push(
    `stages: silence + STT ${fmtMs(avg('finalTranscriptMs'))}, transcript → LLM first token ${fmtMs(stage('finalTranscriptMs', 'llmFirstTokenMs'))},` +
      ` → TTS first byte ${fmtMs(stage('llmFirstTokenMs', 'ttsFirstByteMs'))}, → first frame sent ${fmtMs(stage('ttsFirstByteMs', 'endOfSpeechToFirstAudioMs'))}`,
  );
  out.push(
    `CPU over the run (${(wallMs / 1000).toFixed(1)} s): gateway ${fmtMs(cpu.gateway, 0)} ms, voice ${fmtMs(cpu.voice, 0)} ms` +
      ` (${fmtMs((cpu.voice / wallMs) * 100, 0)}% of a core)`,
  );
  out.push(
    `reply audio: ${samples} samples checked, ${breaks} order breaks, ${stray} frames after their reply ended`,
  );
  if (errors.length > 0)
    out.push(`session errors (${errors.length}): ${[...new Set(errors)].slice(0, 5).join(' | ')}`);
  if (failures.length > 0)
    out.push(`callers that failed (${failures.length}): ${failures.slice(0, 5).join(' | ')}`);
  out.push('');

  const verdict = (pass) => (pass ? 'PASS' : 'FAIL');
  const full = options.sessions >= 20 ? '' : ` (at ${options.sessions} callers; the target is for 20)`;
  const o50 = percentile(overhead, 50);
  const o99 = percentile(overhead, 99);
  const b99 = percentile(toLastAudio, 99);
  out.push(
    table(
      ['target', 'measured', ''],
      [
        [
          `overhead p50 ≤ ${TARGETS.overheadP50Ms} ms${full}`,
          `${fmtMs(o50)} ms`,
          verdict(o50 <= TARGETS.overheadP50Ms),
        ],
        [
          `overhead p99 ≤ ${TARGETS.overheadP99Ms} ms${full}`,
          `${fmtMs(o99)} ms`,
          verdict(o99 <= TARGETS.overheadP99Ms),
        ],
        [
          `barge-in → last audio frame p99 ≤ ${TARGETS.bargeInP99Ms} ms`,
          `${fmtMs(b99)} ms`,
          verdict(b99 <= TARGETS.bargeInP99Ms && toLastAudio.length > 0),
        ],
        [
          'reply audio never reordered or lost',
          `${breaks} breaks, ${stray} stray frames`,
          verdict(breaks === 0 && stray === 0 && samples > 0),
        ],
        [
          'every caller finished',
          `${sessions.length - failures.length}/${sessions.length}`,
          verdict(failures.length === 0),
        ],
      ],
    ),
  );
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
}

const options = optionsOrExit('voice', () => parseOptions(process.argv.slice(2)));
runBenchmark('voice', async (context) => {
  if (options.only === 'realtime') {
    const lines = await realtimePhase(options, {
      ...context,
      log,
      speech: utteranceFrames(),
      describeMachine: describeMachine(options.loadBefore),
    });
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  if (options.only !== 'phone') await run(options, context);
  if (options.only === 'sessions' || options.phoneCalls === 0) return;
  const lines = await phoneCallsReport({
    calls: options.phoneCalls,
    threads: options.phoneThreads,
    seconds: options.phoneSeconds,
    replyRate: options.phoneReplyRate,
    log,
  });
  process.stdout.write(`${lines.join('\n')}\n`);
});
