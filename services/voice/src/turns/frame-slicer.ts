/**
 * Cuts a stream of 16-bit PCM arriving in chunks of any size into frames of exactly `frameBytes`,
 * numbering their audio time from the stream's start.
 */
export class FrameSlicer {
  private pending: Buffer = Buffer.alloc(0);
  private framesOut = 0;

  constructor(
    private readonly frameBytes: number,
    private readonly frameMs: number,
  ) {}

  /** The whole frames `chunk` completed, with their [startMs, endMs) audio time. */
  push(chunk: Buffer): Array<{ frame: Buffer; startMs: number; endMs: number }> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Array<{ frame: Buffer; startMs: number; endMs: number }> = [];
    while (this.pending.length >= this.frameBytes) {
      const frame = this.pending.subarray(0, this.frameBytes);
      this.pending = this.pending.subarray(this.frameBytes);
      const startMs = this.framesOut * this.frameMs;
      this.framesOut += 1;
      frames.push({ frame, startMs, endMs: startMs + this.frameMs });
    }
    return frames;
  }
}
