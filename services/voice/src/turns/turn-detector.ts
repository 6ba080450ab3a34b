export interface TurnDetectorOptions {
  /** Voiced audio needed, without a break, before a turn counts as started: clicks and short noises are not speech. */
  readonly minSpeechMs: number;
  /** Unvoiced audio after speech that ends the turn. */
  readonly endOfTurnSilenceMs: number;
}

/** What one frame changed: a turn started (at the start of its first voiced frame) or ended (where the silence began). */
export type TurnChange =
  | { readonly type: 'speech-started'; readonly atMs: number }
  | { readonly type: 'speech-stopped'; readonly atMs: number };

/**
 * Turns per-frame voice decisions into turns. A turn starts once `minSpeechMs` of voiced frames have
 * come in a row (its start is dated back to the first of them), and ends once `endOfTurnSilenceMs` of
 * unvoiced frames follow (dated at the end of the last voiced frame). Times are audio time in ms.
 */
export class TurnDetector {
  private speaking = false;
  private voicedRunStartMs: number | null = null;
  private lastVoicedEndMs = 0;

  constructor(private readonly options: TurnDetectorOptions) {}

  get inSpeech(): boolean {
    return this.speaking;
  }

  /** The decision for the frame covering [startMs, endMs). */
  push(voiced: boolean, startMs: number, endMs: number): TurnChange | null {
    if (voiced) {
      this.lastVoicedEndMs = endMs;
      if (this.speaking) return null;
      this.voicedRunStartMs ??= startMs;
      if (endMs - this.voicedRunStartMs < this.options.minSpeechMs) return null;
      this.speaking = true;
      const atMs = this.voicedRunStartMs;
      this.voicedRunStartMs = null;
      return { type: 'speech-started', atMs };
    }
    this.voicedRunStartMs = null;
    if (this.speaking && endMs - this.lastVoicedEndMs >= this.options.endOfTurnSilenceMs) {
      this.speaking = false;
      return { type: 'speech-stopped', atMs: this.lastVoicedEndMs };
    }
    return null;
  }
}
