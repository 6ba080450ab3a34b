import { INPUT_CLOCK_WINDOW_MS } from '../audio/input-clock';

/** The detector works at the VAD's rate (16 kHz), on its frames. */
const RATE = 16_000;
const SAMPLES_PER_MS = RATE / 1000;
/** The coarse search runs on the signals averaged over this many samples (4 kHz), every second lag. */
const DECIMATION = 4;
const COARSE_STEP = 2;
/** The fine search looks this many 16 kHz samples either side of the coarse best. */
const FINE_RADIUS = DECIMATION * COARSE_STEP;
/** Input matched at once against the reply: the frame and what came just before it. */
const WINDOW_SAMPLES = 80 * SAMPLES_PER_MS;
/** The VAD's frame: what each decision is about. */
const FRAME_SAMPLES = 20 * SAMPLES_PER_MS;
/** How far (in samples) around the lag found last the echo is looked for first. */
const KEPT_RADIUS = 4;
/** Slack around the delay window for the frame's own timing (the client's chunking, the bus). */
const TIMING_SLACK_MS = 40;
/** Input quieter than this (mean square per sample: -60 dBFS) is not speech anyway, so not searched. */
const MIN_FRAME_POWER = (32_768 * 10 ** (-60 / 20)) ** 2;

export interface EchoDetectorOptions {
  /** The longest speaker-to-microphone delay searched (the client's playback buffer and the room). */
  readonly maxDelayMs: number;
  /** How long after the last reply audio plays frames are still checked for its echo (reverberation, buffers). */
  readonly tailMs: number;
  /**
   * The normalised correlation with the best-aligned reply audio at or above which a frame is echo: the
   * reply's scaled copy then carries at least this squared share of the frame's energy (0.7: about half).
   */
  readonly minCorrelation: number;
  /**
   * Reply audio kept for the search, in ms. It is sent ahead of real time (the client's buffer) and input
   * can arrive late (a client that stalls): at least `maxDelayMs` plus both is kept.
   */
  readonly historyMs?: number;
  /** How far ahead of real time the reply's audio is sent. */
  readonly leadMs?: number;
}

interface Samples {
  readonly samples: Float64Array;
  /** Sum of their squares. */
  readonly energy: number;
}

function toFloat(pcm: Buffer): Samples {
  const samples = new Float64Array(pcm.length >> 1);
  let energy = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = pcm.readInt16LE(i * 2);
    samples[i] = v;
    energy += v * v;
  }
  return { samples, energy };
}

interface Anchor {
  /** Index (in samples written) of the first sample of a chunk, and the wall time it plays at. */
  readonly index: number;
  readonly at: number;
}

/**
 * Tells whether a frame of the client's microphone audio is (mostly) the reply's own audio coming back
 * from its speaker. It keeps the reply PCM as sent, with the wall time each piece plays at. The echo's
 * lag is found by normalised cross-correlation of the last 80 ms of input with the reply audio that
 * played 0 to `maxDelayMs` before (coarse on 4 kHz averages, then refined at 16 kHz), and is then kept
 * on input time, so later frames are tried at that lag first; each 20 ms frame is echo when its
 * correlation with the reply at that lag reaches `minCorrelation`, i.e. the aligned, scaled reply
 * explains most of its energy. The user speaking over the echo leaves a large residual, so it is not.
 *
 * Our own code rather than an acoustic echo canceller: speexdsp has native bindings only (a build per
 * platform), and the WebAssembly port of WebRTC's AEC3 on npm (@ennuicastr/webrtcaec3.js) takes 48 kHz
 * only and runs a full canceller on every frame of every session; the session needs a decision per
 * frame (speech or echo), not a cleaned signal, and this costs tens of microseconds a frame, only while
 * a reply plays (plus its tail).
 */
export class EchoDetector {
  private readonly ring: Int16Array;
  private written = 0;
  private anchors: Anchor[] = [];
  /** When the last reply sample known plays out. */
  private playsUntil = -Infinity;
  private readonly minCorrelation: number;
  /** The last input, matched as one window: a single 20 ms frame of voiced speech resembles too much. */
  private recent: Buffer = Buffer.alloc(0);
  /** Input samples heard so far. */
  private heardSamples = 0;
  /** The echo's lag last found: the input sample index less the reply sample index it echoes. */
  private lag: number | null = null;

  constructor(private readonly options: EchoDetectorOptions) {
    const historyMs = Math.max(
      options.historyMs ?? 0,
      options.maxDelayMs + (options.leadMs ?? 0) + INPUT_CLOCK_WINDOW_MS + 2 * TIMING_SLACK_MS + 100,
    );
    this.ring = new Int16Array(Math.ceil(historyMs * SAMPLES_PER_MS));
    this.minCorrelation = options.minCorrelation;
  }

  /** Reply audio sent to the client (16 kHz pcm16), which starts playing at wall time `playAt`. */
  addReference(pcm: Buffer, playAt: number): void {
    const samples = pcm.length >> 1;
    if (samples === 0) return;
    // A gap (a new reply, or a pause in sending) is kept as silence so that indices stay in time.
    const expected = this.indexAt(playAt);
    if (expected !== null && expected > this.written) {
      const gap = Math.min(expected - this.written, this.ring.length);
      for (let i = 0; i < gap; i++) this.ring[(this.written + i) % this.ring.length] = 0;
      this.written += gap;
    }
    this.anchors.push({ index: this.written, at: playAt });
    if (this.anchors.length > 200) this.anchors = this.anchors.slice(-100);
    for (let i = 0; i < samples; i++)
      this.ring[(this.written + i) % this.ring.length] = pcm.readInt16LE(i * 2);
    this.written += samples;
    this.playsUntil = Math.max(this.playsUntil, playAt + samples / SAMPLES_PER_MS);
  }

  /** Whether frames arriving at `at` may hold reply audio (a reply plays, or did within the tail). */
  listensAt(at: number): boolean {
    return at <= this.playsUntil + this.options.maxDelayMs + this.options.tailMs;
  }

  /** The next frame of input (16 kHz pcm16); every frame goes through here, echo or not. */
  hear(frame: Buffer): void {
    this.recent = Buffer.concat([this.recent, frame]).subarray(-WINDOW_SAMPLES * 2);
    this.heardSamples += frame.length >> 1;
  }

  /** Whether the input heard last, whose last sample was recorded at wall time `endAt` (on the input clock), is reply echo. */
  isEcho(endAt: number): boolean {
    return this.correlation(endAt) >= this.minCorrelation;
  }

  /**
   * How much the last frame heard resembles the reply audio it would be the echo of (normalised
   * correlation; 0 if there is none). The echo's delay is found on the last {@link WINDOW_SAMPLES} of
   * input (a single 20 ms frame of voiced speech resembles too many places of a reply); the frame
   * itself is then compared at that delay only, so that the user's first syllable over the echo counts.
   */
  correlation(endAt: number): number {
    if (this.recent.length < WINDOW_SAMPLES * 2 || !this.listensAt(endAt) || this.anchors.length === 0)
      return 0;
    const window = toFloat(this.recent);
    if (window.energy < MIN_FRAME_POWER * WINDOW_SAMPLES) return 0;
    const oldest = Math.max(0, this.written - this.ring.length);
    const newest = this.written - WINDOW_SAMPLES;
    // The echo's lag (input samples heard against reply samples played) stays put while the client's
    // speaker and microphone run on one clock: the lag found last is tried first, on input time, which
    // the bus's and the client's timing do not jitter.
    const windowIndex = this.heardSamples - WINDOW_SAMPLES;
    let start: number | null = null;
    if (this.lag !== null) {
      const kept = this.fineBest(window, windowIndex - this.lag, KEPT_RADIUS, oldest, newest);
      if (kept.correlation >= this.minCorrelation) start = kept.start;
    }
    if (start === null) {
      // The whole delay window, placed by wall time: where the reply audio heard now played, 0 to
      // `maxDelayMs` ago.
      const windowMs = WINDOW_SAMPLES / SAMPLES_PER_MS;
      const lo = Math.max(
        oldest,
        this.indexAt(endAt - windowMs - this.options.maxDelayMs - TIMING_SLACK_MS) ?? 0,
      );
      const hi = Math.min(newest, this.indexAt(endAt - windowMs + TIMING_SLACK_MS) ?? -1);
      if (hi >= lo) {
        const found = this.fineBest(window, this.coarseBest(window.samples, lo, hi), FINE_RADIUS, lo, hi);
        if (found.correlation >= this.minCorrelation) start = found.start;
      }
    }
    if (start !== null) this.lag = windowIndex - start;
    if (this.lag === null) return 0;
    // The frame itself, at that lag.
    const frameStart = WINDOW_SAMPLES - FRAME_SAMPLES;
    const frame = toFloat(this.recent.subarray(frameStart * 2));
    if (frame.energy < MIN_FRAME_POWER * FRAME_SAMPLES) return 0;
    const at = windowIndex - this.lag + frameStart;
    return this.fineBest(frame, at, KEPT_RADIUS, oldest, this.written - FRAME_SAMPLES).correlation;
  }

  /** The best correlation within `radius` samples of `around` (start indices within [lo, hi]). */
  private fineBest(
    { samples: x, energy: xx }: Samples,
    around: number,
    radius: number,
    lo: number,
    hi: number,
  ): { correlation: number; start: number } {
    let best = { correlation: 0, start: around };
    for (let start = Math.max(lo, around - radius); start <= Math.min(hi, around + radius); start++) {
      const correlation = this.ncc(x, xx, start);
      if (correlation > best.correlation) best = { correlation, start };
    }
    return best;
  }

  /** The start index with the best correlation of the 4 kHz averages, every `COARSE_STEP` of them. */
  private coarseBest(x: Float64Array, lo: number, hi: number): number {
    const m = Math.floor(x.length / DECIMATION);
    const xd = new Float64Array(m);
    let xx = 0;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < DECIMATION; k++) s += x[j * DECIMATION + k]!;
      xd[j] = s;
      xx += s * s;
    }
    // The reference's 4 kHz averages from `lo` on, one per 4 samples.
    const span = Math.floor((hi - lo) / DECIMATION) + m;
    const rd = new Float64Array(span);
    for (let j = 0; j < span; j++) {
      let s = 0;
      for (let k = 0; k < DECIMATION; k++) s += this.sample(lo + j * DECIMATION + k);
      rd[j] = s;
    }
    let best = -1;
    let bestStart = lo;
    for (let offset = 0; offset + m <= span; offset += COARSE_STEP) {
      let xr = 0;
      let rr = 0;
      for (let j = 0; j < m; j++) {
        const r = rd[offset + j]!;
        xr += xd[j]! * r;
        rr += r * r;
      }
      const c = rr > 0 && xx > 0 ? xr / Math.sqrt(xx * rr) : 0;
      if (c > best) {
        best = c;
        bestStart = lo + offset * DECIMATION;
      }
    }
    return bestStart;
  }

  /** Normalised correlation of `x` with the reference segment starting at `start`. */
  private ncc(x: Float64Array, xx: number, start: number): number {
    let xr = 0;
    let rr = 0;
    for (let i = 0; i < x.length; i++) {
      const r = this.sample(start + i);
      xr += x[i]! * r;
      rr += r * r;
    }
    return rr > 0 ? xr / Math.sqrt(xx * rr) : 0;
  }

  private sample(index: number): number {
    return this.ring[index % this.ring.length]!;
  }

  /** The index of the reference sample playing at wall time `at` (extrapolated from the nearest earlier chunk). */
  private indexAt(at: number): number | null {
    for (let i = this.anchors.length - 1; i >= 0; i--) {
      const anchor = this.anchors[i]!;
      if (anchor.at <= at || i === 0) return Math.round(anchor.index + (at - anchor.at) * SAMPLES_PER_MS);
    }
    return null;
  }
}
