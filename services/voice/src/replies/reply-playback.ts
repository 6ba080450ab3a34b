import type { LiveEncoder, LiveEncoderSink } from '../audio/live-encoder';
import { PcmResampler } from '../audio/pcm-resampler';
import type { TextToSpeechEngine } from '../tts/text-to-speech.port';
import { playedTextOf, type SpokenPiece } from './played-text';

/** Reply audio goes out in frames of this length. */
export const OUTPUT_FRAME_MS = 20;

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
  private readonly frameBytes: number;
  private buffered: Buffer = Buffer.alloc(0);
  private synthesizedMs = 0;
  private sentMs = 0;
  private firstSentAt: number | null = null;
  private noMoreText = false;
  private working = false;
  private finished = false;
  private pacer: NodeJS.Timeout | null = null;
  private resampler: Promise<PcmResampler> | null = null;
  private readonly encoder: LiveEncoder | null;
  private draining = false;
  /** When the engine gave its first audio, and when the first frame went out. */
  firstSynthesizedAt: number | null = null;
  firstFrameAt: number | null = null;
  /** Characters handed to the engine (what is metered). */
  synthesizedChars = 0;

  constructor(
    private readonly options: PlaybackOptions,
    private readonly sink: PlaybackSink,
  ) {
    this.frameBytes = Math.round((options.outputRate * OUTPUT_FRAME_MS) / 1000) * 2;
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
    this.pump();
  }

  /** Stops at once: no frame is sent after this returns. Returns the text of the audio sent (played). */
  cancel(): string {
    const playedMs =
      this.firstSentAt === null ? 0 : Math.min(this.sentMs, this.options.now() - this.firstSentAt);
    this.stop();
    return playedTextOf(this.pieces, playedMs);
  }

  private stop(): void {
    this.finished = true;
    this.abort.abort();
    this.buffered = Buffer.alloc(0);
    if (this.pacer) clearInterval(this.pacer);
    this.pacer = null;
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
    this.pump();
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
      this.buffered = this.buffered.length === 0 ? pcm : Buffer.concat([this.buffered, pcm]);
      this.synthesizedMs += (pcm.length / 2 / this.options.outputRate) * 1000;
      piece.endMs = this.synthesizedMs;
      this.pump();
    }
  }

  /** Sends the frames real time (plus the lead) allows; ends the reply once all is sent. */
  private pump(): void {
    if (this.finished || this.draining) return;
    const now = this.options.now();
    while (this.buffered.length >= this.frameBytes || (this.isLastAudio() && this.buffered.length > 0)) {
      const elapsed = this.firstSentAt === null ? 0 : now - this.firstSentAt;
      if (this.sentMs >= elapsed + this.options.leadMs) break;
      const frame = this.buffered.subarray(0, Math.min(this.frameBytes, this.buffered.length));
      this.buffered = this.buffered.subarray(frame.length);
      this.firstSentAt ??= now;
      this.sink.played?.(frame, this.firstSentAt + this.sentMs);
      this.sentMs += (frame.length / 2 / this.options.outputRate) * 1000;
      if (this.encoder) this.encoder.write(Buffer.from(frame));
      else this.send(Buffer.from(frame));
    }
    if (this.isLastAudio() && this.buffered.length === 0) {
      if (this.encoder && this.firstSentAt !== null) return this.drain();
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

  /** Audio to the client: `started` before its first bytes. */
  private send(audio: Buffer): void {
    if (this.finished) return;
    if (this.firstFrameAt === null) {
      this.firstFrameAt = this.options.now();
      this.sink.started();
    }
    this.sink.frame(audio);
  }

  /** Every frame went to the encoder: it flushes the rest, then the reply is done (its sink's `end`). */
  private drain(): void {
    this.draining = true;
    if (this.pacer) clearInterval(this.pacer);
    this.pacer = null;
    this.encoder?.end();
  }

  /** Nothing more will be synthesised: what is buffered is the end of the reply. */
  private isLastAudio(): boolean {
    return this.noMoreText && !this.working && this.texts.length === 0;
  }
}
