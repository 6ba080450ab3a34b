import type { LiveEncoder, LiveEncoderSink } from '../audio/live-encoder';
import { PcmResampler } from '../audio/pcm-resampler';
import type { TextToSpeechEngine } from '../tts/text-to-speech.port';
import { FramePacer } from './frame-pacer';
import { playedTextOf, type SpokenPiece } from './played-text';

export interface PlaybackOptions {
  readonly tts: TextToSpeechEngine;
  readonly voice: string | undefined;
  readonly language: string;
  /** The client's rate: reply audio is resampled to it. */
  readonly outputRate: number;
  /** How far ahead of real time audio is sent: the client's buffer, and the most a barge-in can leave playing. */
  readonly leadMs: number;
  readonly now: () => number;
  /** Compressed output (opus, mp3): the paced PCM goes through this encoder, its bytes to the client. */
  readonly encoder?: (sink: LiveEncoderSink) => LiveEncoder;
}

export interface PlaybackSink {
  /** Before the first frame (`audio.started`). */
  started(): void;
  /** Reply audio as the client asked for it: a pcm16 frame, or the next bytes of the encoded stream. */
  frame(audio: Buffer): void;
  /** Every piece was spoken and sent (`audio.done`). */
  done(): void;
  /**
   * The PCM (at the client's rate) of each frame as it goes out, before any encoding, and the wall time
   * it plays at on the client (the reply plays from its first frame on, at real time): the echo reference.
   */
  played?(pcm: Buffer, playAt: number): void;
  /** A synthesis failed: the reply stops there. */
  failed(error: unknown): void;
}

/**
 * Speaks one reply, piece by piece as they come (a sentence can play while the next is synthesised),
 * and sends its audio paced at real time plus a small lead, so that a barge-in stops what the user
 * hears within that lead: {@link cancel} aborts the synthesis, drops every frame not yet sent, and
 * says which text the audio sent until then (and played, at most) holds. For compressed output the
 * paced PCM feeds one live encoder per reply (started with the reply, so the first audio does not wait
 * for it), whose bytes go to the client as they come out; the reply is done once it has flushed.
 */
export class ReplyPlayback {
  private readonly texts: string[] = [];
  private readonly pieces: SpokenPiece[] = [];
  private readonly abort = new AbortController();
  private readonly pacer: FramePacer;
  private synthesizedMs = 0;
  private noMoreText = false;
  private working = false;
  private finished = false;
  private resampler: Promise<PcmResampler> | null = null;
  private readonly encoder: LiveEncoder | null;
  /** When the engine gave its first audio, and when the first frame went out. */
  firstSynthesizedAt: number | null = null;
  firstFrameAt: number | null = null;
  /** Characters handed to the engine (what is metered). */
  synthesizedChars = 0;

  constructor(
    private readonly options: PlaybackOptions,
    private readonly sink: PlaybackSink,
  ) {
    this.pacer = new FramePacer(options, {
      frame: (pcm, playAt) => {
        this.sink.played?.(pcm, playAt);
        if (this.encoder) this.encoder.write(pcm);
        else this.send(pcm);
      },
      drained: () => {
        // Compressed output is done once the encoder has flushed what it was given (its `end`).
        if (this.encoder && this.pacer.sentAny) return this.encoder.end();
        this.stop();
        this.sink.done();
      },
    });
    this.encoder =
      options.encoder?.({
        data: (chunk) => this.send(chunk),
        end: () => {
          if (this.finished) return;
          this.stop();
          this.sink.done();
        },
        failed: (error) => {
          if (this.finished) return;
          this.stop();
          this.sink.failed(error);
        },
      }) ?? null;
  }

  get active(): boolean {
    return !this.finished;
  }

  /** A piece of the reply to speak after the ones before it. */
  speak(text: string): void {
    if (this.finished) return;
    this.texts.push(text);
    void this.work();
  }

  /** The reply has no more text: it ends once everything is spoken. */
  end(): void {
    this.noMoreText = true;
    void this.work();
    this.finishIfSpoken();
  }

  /** Stops at once: no frame is sent after this returns. Returns the text of the audio sent (played). */
  cancel(): string {
    const playedMs = this.pacer.playedMs();
    this.stop();
    return playedTextOf(this.pieces, playedMs);
  }

  private stop(): void {
    this.finished = true;
    this.abort.abort();
    this.pacer.stop();
    this.encoder?.kill();
    void this.resampler?.then((r) => r.close()).catch(() => undefined);
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (!this.finished) {
        const text = this.texts.shift();
        if (text === undefined) break;
        await this.synthesize(text);
      }
    } catch (error) {
      if (!this.finished) {
        this.stop();
        this.sink.failed(error);
      }
      return;
    } finally {
      this.working = false;
    }
    if (this.texts.length > 0) return void this.work();
    this.finishIfSpoken();
  }

  private async synthesize(text: string): Promise<void> {
    const piece: SpokenPiece = { text, startMs: this.synthesizedMs, endMs: this.synthesizedMs };
    this.pieces.push(piece);
    const speakable = text.trim();
    if (speakable.length === 0) return;
    this.synthesizedChars += speakable.length;
    this.resampler ??= PcmResampler.open(this.options.tts.sampleRate, this.options.outputRate);
    const resampler = await this.resampler;
    const audio = this.options.tts.synthesize(speakable, {
      ...(this.options.voice ? { voice: this.options.voice } : {}),
      language: this.options.language,
      signal: this.abort.signal,
    });
    for await (const chunk of audio) {
      if (this.finished) return;
      this.firstSynthesizedAt ??= this.options.now();
      const pcm = resampler.process(chunk);
      this.synthesizedMs += (pcm.length / 2 / this.options.outputRate) * 1000;
      piece.endMs = this.synthesizedMs;
      this.pacer.push(pcm);
    }
  }

  /** Audio to the client: `started` before its first bytes. */
  private send(audio: Buffer): void {
    if (this.finished) return;
    if (this.firstFrameAt === null) {
      this.firstFrameAt = this.options.now();
      this.sink.started();
    }
    this.sink.frame(audio);
  }

  /** Once nothing more will be synthesised, what the pacer holds is the end of the reply. */
  private finishIfSpoken(): void {
    if (this.noMoreText && !this.working && this.texts.length === 0 && !this.finished) this.pacer.finish();
  }
}
