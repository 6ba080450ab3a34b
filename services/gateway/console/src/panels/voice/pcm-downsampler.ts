/**
 * Streaming decimator: float samples at the capture rate in, 16-bit PCM at a lower rate out, in
 * fixed-size frames. Each output sample is the mean of the input samples its interval covers
 * (an integrate-and-dump low-pass), which keeps speech intelligible and aliasing low enough for
 * voice activity detection and recognition, for any ratio (48 kHz → 16 kHz, 44.1 kHz → 16 kHz, ...).
 */
export class PcmDownsampler {
  private readonly ratio: number;
  private readonly frame: Int16Array;
  private filled = 0;
  /** Input samples taken since the current output sample began (fractional: ratios need not be whole). */
  private position = 0;
  private sum = 0;
  private count = 0;

  constructor(
    inputRate: number,
    outputRate: number,
    frameSamples: number,
    private readonly emit: (frame: Int16Array) => void,
  ) {
    if (inputRate < outputRate) throw new RangeError(`cannot downsample ${inputRate} Hz to ${outputRate} Hz`);
    this.ratio = inputRate / outputRate;
    this.frame = new Int16Array(frameSamples);
  }

  push(samples: Float32Array): void {
    for (let i = 0; i < samples.length; i++) {
      this.sum += samples[i]!;
      this.count++;
      this.position++;
      if (this.position >= this.ratio) {
        this.output(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
        this.position -= this.ratio;
      }
    }
  }

  private output(value: number): void {
    const clamped = Math.max(-1, Math.min(1, value));
    this.frame[this.filled++] = Math.round(clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff);
    if (this.filled === this.frame.length) {
      this.emit(this.frame.slice());
      this.filled = 0;
    }
  }
}
