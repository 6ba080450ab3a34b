import type { PcmAudio } from '../audio/pcm-audio';

/** A recogniser's reading of the speech so far; `final` ones are not revised any more. */
export interface TranscriptUpdate {
  readonly kind: 'partial' | 'final';
  readonly text: string;
  /** 0..1 where the engine reports one. */
  readonly confidence?: number;
}

export interface RecognitionOptions {
  /** BCP-47, e.g. `en-US`; engines that cannot honour it say so through {@link SpeechToTextError}. */
  readonly language: string;
  /** The engine's own model name; unset takes the engine's default. */
  readonly model?: string;
  /** Aborting closes the recognition at once (barge-in, session end): no more updates after it. */
  readonly signal: AbortSignal;
}

/**
 * One live recognition (one user turn, or a whole session for engines that endpoint themselves):
 * audio is written as it arrives, updates come out as they are ready, and `end()` asks for the last
 * final transcript of what was written.
 */
export interface LiveRecognition {
  /** PCM at the engine's {@link SpeechToTextEngine.sampleRate}; never blocks. */
  write(audio: Buffer): void;
  /** No more audio: the updates end after the final transcript of everything written. */
  end(): void;
  /** Partial and final transcripts in order; throws a {@link SpeechToTextError} when the engine fails. */
  readonly updates: AsyncIterable<TranscriptUpdate>;
}

export interface TranscriptionResult {
  readonly text: string;
  readonly language?: string;
  readonly durationSeconds: number;
}

/** A speech-to-text engine (Deepgram, OpenAI, PocketSphinx...): one adapter plus one registry line. */
export interface SpeechToTextEngine {
  /** The name clients choose it by (`start.stt`, `model` prefix): `deepgram`, `openai`, `pocketsphinx`. */
  readonly id: string;
  /** The PCM rate it wants; the service resamples to it. */
  readonly sampleRate: number;
  /** Whether it can run here (binary installed, key configured); the reason when not. */
  availability(): Promise<EngineAvailability>;
  /** Starts a live recognition. */
  recognize(options: RecognitionOptions): LiveRecognition;
  /** Transcribes a whole recording (the request/response endpoints). */
  transcribe(audio: PcmAudio, options: RecognitionOptions): Promise<TranscriptionResult>;
}

export type EngineAvailability =
  { readonly available: true } | { readonly available: false; readonly reason: string };

/** Why an engine failed, in terms the client can act on. */
export type SpeechEngineFailure =
  | 'unavailable' // binary missing, no key configured
  | 'unauthorized' // the provider refused the key
  | 'rate_limited' // 429; `retryAfterMs` when the provider said
  | 'bad_request' // the provider refused the input (language, model)
  | 'upstream'; // 5xx, dropped connection, protocol error

export class SpeechToTextError extends Error {
  constructor(
    readonly engine: string,
    readonly failure: SpeechEngineFailure,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SpeechToTextError';
  }
}
