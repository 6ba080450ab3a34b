/**
 * The last few frames of audio, so a turn's recognition can start with the speech that came before
 * the turn was confirmed (the minimum speech duration) and a little before it.
 */
export class PreRoll {
  private readonly frames: Buffer[] = [];

  constructor(private readonly maxFrames: number) {}

  push(frame: Buffer): void {
    this.frames.push(frame);
    if (this.frames.length > this.maxFrames) this.frames.shift();
  }

  /** Everything kept, oldest first; empties it. */
  take(): Buffer[] {
    return this.frames.splice(0, this.frames.length);
  }
}
