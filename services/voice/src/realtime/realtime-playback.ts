import { FramePacer, type FramePacerOptions } from '../replies/frame-pacer';
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
  private readonly pieces: SpokenPiece[] = [];
  private readonly pacer: FramePacer;
  private receivedMs = 0;
  private finished = false;
  /** The provider's id of the answer's audio item (to truncate it to what was played). */
  itemId: string | null = null;
  firstFrameAt: number | null = null;

  constructor(
    private readonly options: FramePacerOptions,
    private readonly sink: RealtimePlaybackSink,
  ) {
    this.pacer = new FramePacer(options, {
      frame: (pcm) => {
        if (this.firstFrameAt === null) {
          this.firstFrameAt = this.options.now();
          this.sink.started();
        }
        this.sink.frame(pcm);
      },
      drained: () => {
        this.finished = true;
        this.sink.done();
      },
    });
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
    this.receivedMs += (pcm.length / 2 / this.options.outputRate) * 1000;
    const last = this.pieces.at(-1);
    if (last) last.endMs = this.receivedMs;
    this.pacer.push(pcm);
  }

  transcript(text: string): void {
    if (this.finished) return;
    this.pieces.push({ text, startMs: this.receivedMs, endMs: this.receivedMs });
  }

  /** The answer has no more audio: it is done once everything is sent. */
  end(): void {
    if (this.finished) return;
    this.pacer.finish();
  }

  /** Stops at once: no frame is sent after this. Returns the audio played (ms) and its text. */
  cancel(): { playedMs: number; playedText: string } {
    const playedMs = this.pacer.playedMs();
    this.finished = true;
    this.pacer.stop();
    return { playedMs, playedText: playedTextOf(this.pieces, playedMs) };
  }
}
