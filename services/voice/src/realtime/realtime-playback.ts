import { OUTPUT_FRAME_MS } from '../replies/reply-playback';
import { playedTextOf, type SpokenPiece } from '../replies/played-text';

export interface RealtimePlaybackSink {
  /** Before the first frame (`audio.started`). */
  started(): void;
  frame(pcm: Buffer): void;
  /** Every frame of a finished answer was sent (`audio.done`). */
  done(): void;
}

/**
 * One realtime answer going to the client: the model's audio (already at the client's rate) is sent in
 * 20 ms frames paced at real time plus a lead, as the pipeline's replies are, so that a barge-in stops
 * what the user hears within that lead. The answer's transcript is laid over its audio as it arrives
 * (each piece spans the audio that came with it), so {@link cancel} can say which text was played.
 */
export class RealtimePlayback {
  private readonly frameBytes: number;
  private readonly pieces: SpokenPiece[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private receivedMs = 0;
  private sentMs = 0;
  private firstSentAt: number | null = null;
  private noMoreAudio = false;
  private finished = false;
  private pacer: NodeJS.Timeout | null = null;
  /** The provider's id of the answer's audio item (to truncate it to what was played). */
  itemId: string | null = null;
  firstFrameAt: number | null = null;

  constructor(
    private readonly options: {
      readonly outputRate: number;
      readonly leadMs: number;
      readonly now: () => number;
    },
    private readonly sink: RealtimePlaybackSink,
  ) {
    this.frameBytes = Math.round((options.outputRate * OUTPUT_FRAME_MS) / 1000) * 2;
  }

  get active(): boolean {
    return !this.finished;
  }

  /** The whole transcript received so far. */
  get text(): string {
    return this.pieces.map((piece) => piece.text).join('');
  }

  audio(pcm: Buffer): void {
    if (this.finished || pcm.length === 0) return;
    this.buffered = this.buffered.length === 0 ? pcm : Buffer.concat([this.buffered, pcm]);
    this.receivedMs += (pcm.length / 2 / this.options.outputRate) * 1000;
    const last = this.pieces.at(-1);
    if (last) last.endMs = this.receivedMs;
    this.pump();
  }

  transcript(text: string): void {
    if (this.finished) return;
    this.pieces.push({ text, startMs: this.receivedMs, endMs: this.receivedMs });
  }

  /** The answer has no more audio: it is done once everything is sent. */
  end(): void {
    this.noMoreAudio = true;
    this.pump();
  }

  /** Stops at once: no frame is sent after this. Returns the audio played (ms) and its text. */
  cancel(): { playedMs: number; playedText: string } {
    const playedMs =
      this.firstSentAt === null ? 0 : Math.min(this.sentMs, this.options.now() - this.firstSentAt);
    this.stop();
    return { playedMs, playedText: playedTextOf(this.pieces, playedMs) };
  }

  private stop(): void {
    this.finished = true;
    this.buffered = Buffer.alloc(0);
    if (this.pacer) clearInterval(this.pacer);
    this.pacer = null;
  }

  private pump(): void {
    if (this.finished) return;
    const now = this.options.now();
    while (this.buffered.length >= this.frameBytes || (this.noMoreAudio && this.buffered.length > 0)) {
      // The first frame goes at once; then real time since it, plus the lead.
      if (this.firstSentAt !== null && this.sentMs >= now - this.firstSentAt + this.options.leadMs) break;
      const frame = this.buffered.subarray(0, Math.min(this.frameBytes, this.buffered.length));
      this.buffered = this.buffered.subarray(frame.length);
      this.firstSentAt ??= now;
      this.sentMs += (frame.length / 2 / this.options.outputRate) * 1000;
      if (this.firstFrameAt === null) {
        this.firstFrameAt = now;
        this.sink.started();
      }
      this.sink.frame(Buffer.from(frame));
    }
    if (this.noMoreAudio && this.buffered.length === 0) {
      this.stop();
      this.sink.done();
      return;
    }
    if (this.buffered.length > 0 && !this.pacer) {
      this.pacer = setInterval(() => this.pump(), OUTPUT_FRAME_MS);
    } else if (this.buffered.length === 0 && this.pacer) {
      clearInterval(this.pacer);
      this.pacer = null;
    }
  }
}
