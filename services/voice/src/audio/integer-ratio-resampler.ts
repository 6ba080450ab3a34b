/**
 * Filter taps per polyphase branch. With the Blackman window the stop band is about 74 dB down, and the
 * transition about 5.5 / (32 × ratio) of the higher rate wide (1.4 kHz at 8 → 16 kHz).
 */
const TAPS_PER_PHASE = 32;
/** The pass band ends this far into the lower rate's Nyquist band, leaving room for the transition. */
const PASS_FRACTION = 0.9;
/** The largest whole ratio taken this way (8 → 48 kHz); others go to the general converter. */
const MAX_RATIO = 6;

/**
 * A streaming converter between rates whose ratio is a whole number (8 → 16 kHz, 48 → 16 kHz, 24 → 8 kHz),
 * as a polyphase windowed-sinc FIR on 16-bit mono PCM. Our own code rather than libsamplerate for these
 * rates: a phone call converts every 20 ms both ways, and the WebAssembly sinc converter (with the copies
 * into and out of its memory) cost about 50 µs a frame, so 100 calls took three quarters of a core and
 * fell behind real time (the voice benchmark's phone phase); this costs a few µs a frame. The general
 * converter still takes every other ratio (22.05 → 16 kHz, 16 → 24 kHz).
 */
export class IntegerRatioResampler {
  private readonly taps: Float32Array;
  /** The last input samples, newest last: the filter's memory across chunks. */
  private history: Float32Array;
  /** Input samples to skip before the next output (downsampling only). */
  private skip = 0;

  private constructor(
    private readonly up: number,
    private readonly down: number,
  ) {
    const ratio = Math.max(up, down);
    this.taps = lowpass(TAPS_PER_PHASE * ratio, (0.5 * PASS_FRACTION) / ratio, up);
    this.history = new Float32Array(up > 1 ? TAPS_PER_PHASE - 1 : this.taps.length - 1);
  }

  /** A converter from `fromRate` to `toRate` if one is a whole multiple (2 to 6 times) of the other. */
  static between(fromRate: number, toRate: number): IntegerRatioResampler | null {
    if (toRate > fromRate && toRate % fromRate === 0 && toRate / fromRate <= MAX_RATIO)
      return new IntegerRatioResampler(toRate / fromRate, 1);
    if (fromRate > toRate && fromRate % toRate === 0 && fromRate / toRate <= MAX_RATIO)
      return new IntegerRatioResampler(1, fromRate / toRate);
    return null;
  }

  process(pcm: Buffer): Buffer {
    const input = pcm16ToFloat(pcm);
    if (input.length === 0) return Buffer.alloc(0);
    const memory = this.history.length;
    const signal = new Float32Array(memory + input.length);
    signal.set(this.history);
    signal.set(input, memory);
    const out = this.up > 1 ? this.upsample(signal, input.length) : this.downsample(signal, input.length);
    this.history = signal.slice(signal.length - memory);
    return floatToPcm16(out);
  }

  /** Each input sample gives `up` outputs, one per phase of the filter. */
  private upsample(signal: Float32Array, count: number): Float32Array {
    const { up, taps } = this;
    const memory = this.history.length;
    const out = new Float32Array(count * up);
    for (let n = 0; n < count; n++) {
      const newest = memory + n;
      for (let phase = 0; phase < up; phase++) {
        let acc = 0;
        for (let k = 0; k < TAPS_PER_PHASE; k++) acc += taps[k * up + phase]! * signal[newest - k]!;
        out[n * up + phase] = acc;
      }
    }
    return out;
  }

  /** Every `down`-th input sample gives one output: the filter over the samples up to it. */
  private downsample(signal: Float32Array, count: number): Float32Array {
    const { down, taps } = this;
    const memory = this.history.length;
    const out = new Float32Array(Math.max(0, Math.ceil((count - this.skip) / down)));
    let written = 0;
    for (let n = this.skip; n < count; n += down) {
      const newest = memory + n;
      let acc = 0;
      for (let k = 0; k < taps.length; k++) acc += taps[k]! * signal[newest - k]!;
      out[written++] = acc;
    }
    const last = this.skip + (written - 1) * down;
    this.skip = written === 0 ? this.skip - count : last + down - count;
    return out.subarray(0, written);
  }
}

/**
 * A windowed-sinc (Blackman) low-pass of `length` taps with its cutoff at `cutoff` cycles per sample of
 * the higher rate, scaled so that each of `gain` polyphase branches passes DC at unit gain.
 */
function lowpass(length: number, cutoff: number, gain: number): Float32Array {
  const taps = new Float32Array(length);
  const middle = (length - 1) / 2;
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const x = i - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const window =
      0.42 -
      0.5 * Math.cos((2 * Math.PI * i) / (length - 1)) +
      0.08 * Math.cos((4 * Math.PI * i) / (length - 1));
    taps[i] = sinc * window;
    sum += taps[i]!;
  }
  for (let i = 0; i < length; i++) taps[i] = (taps[i]! * gain) / sum;
  return taps;
}

export function pcm16ToFloat(pcm: Buffer): Float32Array {
  const samples = pcm.length >> 1;
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

export function floatToPcm16(samples: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const clamped = Math.max(-1, Math.min(1, samples[i]!));
    out.writeInt16LE(Math.round(clamped < 0 ? clamped * 32768 : clamped * 32767), i * 2);
  }
  return out;
}
