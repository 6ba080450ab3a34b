// The voice benchmark's realtime phase (`npm run bench -- voice --only realtime`): callers talk over
// /ws/voice in `mode: "realtime"` to a local OpenAI Realtime server (libs/testing's fake, speaking the
// protocol over a real WebSocket) that answers after a fixed latency. The fake runs in this process, so
// its clock is the callers' clock: what the platform adds to a turn is, on the way in, the time from the
// caller sending the last frame of its speech to the fake receiving the audio that ends with it, and on
// the way out, from the fake sending the answer's first audio delta to the caller receiving the first
// reply frame. Everything else (the provider's VAD silence, its thinking) is the provider's own.
import { performance } from 'node:perf_hooks';
import { registerUsers } from './chat-platform.mjs';
import { pool, sleep } from './harness.mjs';
import { HarnessError, requireFromRoot } from './platform.mjs';
import { fmtMs, percentile, table } from './stats.mjs';
import { latencyRow } from './voice-audio.mjs';
import { startFakeVoiceProviders, startVoicePlatform } from './voice-platform.mjs';

const TARGET_OVERHEAD_P50_MS = 30;
const REALTIME_KEY = 'bench-fake-realtime-key';
const SAMPLE_RATE = 16_000;
const FRAME_MS = 20;
const FRAME_BYTES = (SAMPLE_RATE * FRAME_MS * 2) / 1000;
const ANSWER = 'Sure thing. It is sunny in Paris today, with a light breeze from the west.';
const TURN_TIMEOUT_MS = 20_000;

/** One caller: speaks its frames at real-time pace and times the platform's share of each turn. */
class RealtimeCaller {
  events = [];
  /** Per turn: when the first reply frame arrived (wall clock, ms). */
  firstFrameAt = [];
  #turn = -1;
  #waitingFirstFrame = false;

  constructor(ws) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        if (this.#waitingFirstFrame) {
          this.#waitingFirstFrame = false;
          this.firstFrameAt[this.#turn] = Date.now();
        }
        return;
      }
      const event = JSON.parse(data.toString());
      this.events.push(event);
      if (event.type === 'audio.started') this.#waitingFirstFrame = true;
    });
  }

  static open(WebSocket, url, token) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      const caller = new RealtimeCaller(ws);
      ws.once('open', () => {
        ws.send(
          JSON.stringify({ type: 'start', sampleRate: SAMPLE_RATE, encoding: 'pcm16', mode: 'realtime' }),
        );
      });
      ws.once('error', reject);
      const check = setInterval(() => {
        const first = caller.events[0];
        if (!first) return;
        clearInterval(check);
        if (first.type === 'ready') resolve(caller);
        else reject(new HarnessError(`realtime session refused: ${JSON.stringify(first)}`));
      }, 5);
    });
  }

  /**
   * Speaks `speech` then `silenceFrames` at real-time pace and waits for the turn's metrics. Returns when
   * the last speech frame was sent and the input audio time it ended at.
   */
  async turn(speech, silenceFrames) {
    this.#turn += 1;
    const turn = this.#turn;
    const metricsBefore = this.events.filter((e) => e.type === 'turn.metrics').length;
    const frames = [...speech, ...Array.from({ length: silenceFrames }, () => Buffer.alloc(FRAME_BYTES))];
    const startedAt = performance.now();
    let lastSpeechSentAt = 0;
    for (let i = 0; i < frames.length; i++) {
      const due = startedAt + i * FRAME_MS;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      this.ws.send(frames[i]);
      if (i === speech.length - 1) lastSpeechSentAt = Date.now();
      this.sentMs = (this.sentMs ?? 0) + FRAME_MS;
      if (i === speech.length - 1) this.lastSpeechEndMs = this.sentMs;
    }
    const deadline = Date.now() + TURN_TIMEOUT_MS;
    while (this.events.filter((e) => e.type === 'turn.metrics').length === metricsBefore) {
      if (Date.now() > deadline)
        throw new HarnessError(`turn ${turn}: no turn.metrics within ${TURN_TIMEOUT_MS} ms`);
      await sleep(10);
    }
    // The reply plays at real time: wait it out, so the next turn is not a barge-in.
    while (!this.events.some((e) => e.type === 'audio.done' && e.turnId === `turn-${turn + 1}`)) {
      if (Date.now() > deadline) break;
      await sleep(20);
    }
    return { lastSpeechSentAt, lastSpeechEndMs: this.lastSpeechEndMs };
  }

  close() {
    this.ws.close();
  }
}

/** Runs the phase and returns the report's lines. */
export async function realtimePhase(options, { infra, ns, cleanup, log, speech, describeMachine }) {
  const { startFakeOpenAIRealtime } = requireFromRoot('@conduit/testing');
  const realtime = await startFakeOpenAIRealtime({
    apiKey: REALTIME_KEY,
    transcript: 'what is the weather like in paris today',
    answer: ANSWER,
    msPerWord: 250,
    chunkMs: 100,
    responseDelayMs: options.realtimeResponseMs,
    transcriptionDelayMs: 100,
  });
  cleanup.add('fake OpenAI Realtime', () => realtime.close());
  // Chat stores the turns; its provider is not asked anything in realtime mode.
  const fakes = await startFakeVoiceProviders({
    llmMs: 0,
    sttMs: 0,
    ttsMs: 0,
    tokenIntervalMs: 0,
    answerTokens: ['unused'],
    tts: { chunkBytes: 3_200, chunks: 1, chunkIntervalMs: 0 },
  });
  cleanup.add('fake voice providers', () => fakes.stop());
  const { gateway, assertAlive } = await startVoicePlatform({
    infra,
    ns,
    cleanup,
    log,
    fakes,
    sampleRate: SAMPLE_RATE,
    diagnostics: { env: {}, nodeArgs: [] },
    voiceEnv: { OPENAI_API_KEY: REALTIME_KEY, OPENAI_REALTIME_BASE_URL: realtime.url },
  });
  const tokens = await registerUsers(gateway, ns, options.realtimeSessions);
  const WebSocket = requireFromRoot('ws');
  const url = `ws://127.0.0.1:${gateway.port}/ws/voice`;
  const silenceFrames = Math.ceil(900 / FRAME_MS);

  // Callers open one at a time, so each one's provider connection is known.
  const callers = [];
  const connections = [];
  for (let i = 0; i < options.realtimeSessions; i++) {
    callers.push(await RealtimeCaller.open(WebSocket, url, tokens[i]));
    connections.push(realtime.connections.at(-1));
  }
  log(`realtime: ${callers.length} callers, ${options.realtimeRounds} turns each (a warm-up turn first)`);
  const inbound = [];
  const outbound = [];
  const total = [];
  const failures = [];
  await pool(callers.length, callers.length, async (i) => {
    const caller = callers[i];
    const connection = connections[i];
    await sleep((i * 1_000) / callers.length);
    try {
      for (let round = 0; round <= options.realtimeRounds; round++) {
        const { lastSpeechSentAt, lastSpeechEndMs } = await caller.turn(speech, silenceFrames);
        if (round === 0) continue; // warm-up
        // The 24 kHz audio OpenAI was sent ends where the caller's did, less the resampler's few ms.
        const append = connection.appends.find((a) => a.endMs >= lastSpeechEndMs - 5);
        const firstDelta = connection.firstAudioDeltaAt[round];
        const firstFrame = caller.firstFrameAt[round];
        if (!append || firstDelta === undefined || firstFrame === undefined)
          throw new HarnessError(`caller ${i} turn ${round}: a timestamp is missing`);
        const inMs = append.at - lastSpeechSentAt;
        const outMs = firstFrame - firstDelta;
        inbound.push(inMs);
        outbound.push(outMs);
        total.push(inMs + outMs);
      }
    } catch (error) {
      failures.push(`caller ${i}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  callers.forEach((caller) => caller.close());
  assertAlive();
  const metrics = callers.flatMap((c) =>
    c.events.filter((e) => e.type === 'turn.metrics').map((e) => e.metrics),
  );
  const errors = callers.flatMap((c) => c.events.filter((e) => e.type === 'error'));
  if (total.length === 0) throw new HarnessError(`no realtime turn measured:\n${failures.join('\n')}`);

  const p = (values) => `${fmtMs(percentile(values, 50))} / ${fmtMs(percentile(values, 99))}`;
  const o50 = percentile(total, 50);
  const out = [''];
  out.push(
    `voice realtime: ${callers.length} concurrent callers over /ws/voice in mode "realtime", ${options.realtimeRounds} turns each;` +
      ` ${speech.length * FRAME_MS} ms utterance (espeak-ng) + ${silenceFrames * FRAME_MS} ms silence in 20 ms pcm16 frames at 16 kHz, real-time paced.`,
  );
  out.push(
    `provider: a local OpenAI Realtime server (fake, real WebSocket protocol, 24 kHz) with server VAD (500 ms silence),` +
      ` first audio ${options.realtimeResponseMs} ms after its commit. Times in ms, on one clock (the fake runs in this process).`,
  );
  out.push(describeMachine);
  out.push('');
  out.push(
    table(
      ['measure', 'samples', 'p50 / p99', 'mean'],
      [
        latencyRow('in: last speech frame sent → its audio at the provider', inbound),
        latencyRow('out: first audio delta sent → first frame at the caller', outbound),
        latencyRow('platform overhead per turn (in + out)', total),
        [
          'end of speech → first audio (turn.metrics)',
          String(metrics.length),
          p(metrics.map((m) => m.endOfSpeechToFirstAudioMs).filter((v) => v !== null)),
          '',
        ],
      ],
    ),
  );
  if (errors.length > 0) out.push(`session errors (${errors.length}): ${JSON.stringify(errors.slice(0, 3))}`);
  if (failures.length > 0)
    out.push(`callers that failed (${failures.length}): ${failures.slice(0, 5).join(' | ')}`);
  out.push('');
  out.push(
    table(
      ['target', 'measured', ''],
      [
        [
          `realtime overhead p50 ≤ ${TARGET_OVERHEAD_P50_MS} ms`,
          `${fmtMs(o50)} ms`,
          o50 <= TARGET_OVERHEAD_P50_MS ? 'PASS' : 'FAIL',
        ],
        [
          'every caller finished',
          `${callers.length - failures.length}/${callers.length}`,
          failures.length === 0 ? 'PASS' : 'FAIL',
        ],
      ],
    ),
  );
  out.push('');
  return out;
}
