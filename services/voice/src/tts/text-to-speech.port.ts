import type { EngineAvailability, SpeechEngineFailure } from '../stt/speech-to-text.port';

export interface VoiceInfo {
  /** What clients pass as `voice`. */
  readonly id: string;
  readonly name: string;
  readonly language?: string;
}

export interface SynthesisOptions {
  /** A voice id of this engine; unset takes the engine's default voice. */
  readonly voice?: string;
  readonly model?: string;
  readonly language?: string;
  /** Aborting stops the synthesis at once (barge-in): the audio iterable ends without more chunks. */
  readonly signal: AbortSignal;
}

/** A text-to-speech engine (ElevenLabs, OpenAI, espeak-ng...): one adapter plus one registry line. */
export interface TextToSpeechEngine {
  /** The name clients choose it by (`start.tts`): `elevenlabs`, `openai`, `espeak-ng`. */
  readonly id: string;
  /** The PCM rate of what {@link synthesize} yields; the service resamples and encodes from it. */
  readonly sampleRate: number;
  availability(): Promise<EngineAvailability>;
  voices(): Promise<readonly VoiceInfo[]>;
  /**
   * Speaks `text` (a sentence or clause: the pipeline cuts the reply as it streams), yielding 16-bit
   * mono PCM at {@link sampleRate} as soon as the engine produces it, in chunks of any even size.
   * Throws a {@link TextToSpeechError} when the engine fails.
   */
  synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer>;
}

export class TextToSpeechError extends Error {
  constructor(
    readonly engine: string,
    readonly failure: SpeechEngineFailure,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TextToSpeechError';
  }
}
