// Pure helpers of the voice benchmark: the microphone's audio, the reply's sample order, and the
// arithmetic of its figures.
import { fmtMs, percentile } from './stats.mjs';

/** The first and last sample louder than `threshold` bound the speech; the rest is cut off. */
export function trimSilence(pcm, threshold = 300) {
  const samples = Math.floor(pcm.length / 2);
  let first = 0;
  while (first < samples && Math.abs(pcm.readInt16LE(first * 2)) < threshold) first++;
  let last = samples - 1;
  while (last > first && Math.abs(pcm.readInt16LE(last * 2)) < threshold) last--;
  return first >= samples ? Buffer.alloc(0) : pcm.subarray(first * 2, (last + 1) * 2);
}

/** `pcm` in frames of exactly `frameBytes`, the last one padded with silence. */
export function framesOf(pcm, frameBytes) {
  const frames = [];
  for (let at = 0; at < pcm.length; at += frameBytes) {
    const frame = Buffer.alloc(frameBytes);
    pcm.copy(frame, 0, at, Math.min(at + frameBytes, pcm.length));
    frames.push(frame);
  }
  return frames;
}

/**
 * Checks a reply's audio as it arrives: the fake synthesiser numbers every sample of each piece it
 * speaks (0, 1, 2... modulo 32,768), so each sample is the one before plus one, or 0 where the next
 * piece begins. A frame lost, repeated or out of order breaks that.
 */
export class SampleOrderCheck {
  breaks = 0;
  samples = 0;
  #last = null;

  /** A new reply: its first sample starts a piece. */
  reset() {
    this.#last = null;
  }

  push(frame) {
    const count = Math.floor(frame.length / 2);
    for (let i = 0; i < count; i++) {
      const sample = frame.readInt16LE(i * 2);
      if (this.#last !== null && sample !== 0 && sample !== ((this.#last + 1) & 0x7fff)) this.breaks++;
      this.#last = sample;
    }
    this.samples += count;
  }
}

/**
 * The platform's own share of the wait from the end of the user's speech to the first reply audio:
 * what is left after the configured end-of-turn silence and the providers' fixed latencies.
 */
export function platformOverheadMs({ endOfSpeechAt, firstAudioAt, silenceMs, providersMs }) {
  return firstAudioAt - endOfSpeechAt - silenceMs - providersMs;
}

/**
 * The index of the input frame whose arrival let the detector confirm a barge-in: the turn starts at
 * `speechStartMs` (audio time of its first voiced frame) and counts once `minSpeechMs` of it came in.
 */
export function confirmingFrameIndex(speechStartMs, minSpeechMs, frameMs) {
  return Math.ceil((speechStartMs + minSpeechMs) / frameMs) - 1;
}

/** Mean of a list; NaN when empty. */
export const mean = (values) =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;

/** A row of a latency table (`measure`, `samples`, `p50 / p99`, `mean`), in ms. */
export const latencyRow = (label, values) => [
  label,
  String(values.length),
  `${fmtMs(percentile(values, 50))} / ${fmtMs(percentile(values, 99))}`,
  fmtMs(mean(values)),
];
