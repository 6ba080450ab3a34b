/** Reply audio goes out in frames of this length. */
export const OUTPUT_FRAME_MS = 20;

export interface FramePacerOptions {
  /** The rate of the PCM pushed (pcm16 mono). */
  readonly outputRate: number;
  /** How far ahead of real time audio is sent: the client's buffer, and the most a cut can leave playing. */
  readonly leadMs: number;
  readonly now: () => number;
}

export interface PacedFrameSink {
  /**
   * A frame going out now, and the wall time it plays at on the client: the first frame at once, the
   * rest at real time after it.
   */
  frame(pcm: Buffer, playAt: number): void;
  /** After {@link FramePacer.finish}, the last buffered audio went out. */
  drained(): void;
}

/**
 * Sends buffered PCM to the client in 20 ms frames paced at real time plus a lead: the first frame goes
 * at once, then as much as real time since it (plus the lead) allows, with a timer ticking while audio
 * waits. Kept short of the client so that cutting a reply stops what the user hears within the lead.
 */
export class FramePacer {
  private readonly frameBytes: number;
  private buffered: Buffer = Buffer.alloc(0);
  private sentMs = 0;
  private firstSentAt: number | null = null;
  private finishing = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: FramePacerOptions,
    private readonly sink: PacedFrameSink,
  ) {
    this.frameBytes = Math.round((options.outputRate * OUTPUT_FRAME_MS) / 1000) * 2;
  }

  /** Whether any frame went out. */
  get sentAny(): boolean {
    return this.firstSentAt !== null;
  }

  /** Audio the client has played by now (ms): what was sent, as far as real time since the first frame. */
  playedMs(): number {
    return this.firstSentAt === null ? 0 : Math.min(this.sentMs, this.options.now() - this.firstSentAt);
  }

  push(pcm: Buffer): void {
    if (this.stopped || pcm.length === 0) return;
    this.buffered = this.buffered.length === 0 ? pcm : Buffer.concat([this.buffered, pcm]);
    this.pump();
  }

  /** No more audio comes: the rest (a last short frame included) goes out, then `drained`. */
  finish(): void {
    this.finishing = true;
    this.pump();
  }

  /** Drops what is buffered and sends nothing more. */
  stop(): void {
    this.stopped = true;
    this.buffered = Buffer.alloc(0);
    this.setTicking(false);
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.options.now();
    while (this.buffered.length >= this.frameBytes || (this.finishing && this.buffered.length > 0)) {
      if (this.firstSentAt !== null && this.sentMs >= now - this.firstSentAt + this.options.leadMs) break;
      const frame = this.buffered.subarray(0, Math.min(this.frameBytes, this.buffered.length));
      this.buffered = this.buffered.subarray(frame.length);
      this.firstSentAt ??= now;
      const playAt = this.firstSentAt + this.sentMs;
      this.sentMs += (frame.length / 2 / this.options.outputRate) * 1000;
      // A copy: the sink may keep it, and the buffer it comes from is reused.
      this.sink.frame(Buffer.from(frame), playAt);
      if (this.stopped) return;
    }
    if (this.finishing && this.buffered.length === 0) {
      this.stop();
      this.sink.drained();
      return;
    }
    this.setTicking(this.buffered.length > 0);
  }

  private setTicking(on: boolean): void {
    if (on && !this.timer) this.timer = setInterval(() => this.pump(), OUTPUT_FRAME_MS);
    else if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
