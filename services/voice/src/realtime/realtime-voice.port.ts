import type { AgentToolSpec, TranscriptToolResult } from '@conduit/contracts';
import type { HistoryMessage } from '../replies/chat-history';
import type { EngineAvailability, SpeechEngineFailure } from '../stt/speech-to-text.port';

/** What a realtime model used for one response, as its provider reports it (text and audio apart). */
export interface RealtimeUsage {
  readonly inputTextTokens: number;
  readonly inputAudioTokens: number;
  /** The part of the input tokens read from the provider's cache. */
  readonly cachedTokens: number;
  readonly outputTextTokens: number;
  readonly outputAudioTokens: number;
}

/**
 * What a realtime connection reports, in the provider's terms brought to one shape. Audio is PCM16 mono
 * at the engine's {@link RealtimeVoiceEngine.outputSampleRate}.
 */
export type RealtimeEvent =
  /** The provider's VAD heard the user start (`audioMs`: of input audio since the connection opened). */
  | { readonly type: 'speech.started'; readonly audioMs: number }
  | { readonly type: 'speech.stopped'; readonly audioMs: number }
  /** The provider's transcription of the user's speech: partial pieces, then the whole turn. */
  | { readonly type: 'input.transcript'; readonly kind: 'partial' | 'final'; readonly text: string }
  /** `responseId`: the provider's id of the answer, by which it is cancelled. */
  | { readonly type: 'response.started'; readonly responseId: string }
  /** `itemId`: the answer's item, by which it is truncated to what was played. */
  | { readonly type: 'response.audio'; readonly itemId: string; readonly pcm: Buffer }
  /** The transcript of the answer's audio, as it streams. */
  | { readonly type: 'response.text'; readonly itemId: string; readonly text: string }
  | {
      readonly type: 'response.done';
      readonly responseId: string;
      readonly status: 'completed' | 'cancelled' | 'failed';
      readonly usage: RealtimeUsage | null;
    }
  /**
   * The model calls a declared tool; `arguments` is the JSON text as the model wrote it. Its answer goes
   * back through {@link RealtimeConnection.sendToolResult}, after which the model goes on.
   */
  | {
      readonly type: 'tool.call';
      readonly callId: string;
      readonly name: string;
      readonly arguments: string;
    }
  /** A failure of one turn: the connection stays usable. */
  | { readonly type: 'error'; readonly error: RealtimeVoiceError }
  /** The connection is gone (the provider closed it or it broke): nothing follows. */
  | { readonly type: 'closed'; readonly error: RealtimeVoiceError };

/** One earlier message of the conversation, given to the model as context when it connects. */
export type RealtimeHistoryMessage = HistoryMessage;

export interface RealtimeConnectOptions {
  /** The provider's own model name (`gpt-realtime`). */
  readonly model: string;
  readonly instructions?: string;
  readonly voice?: string;
  /** BCP-47 language of the user's speech. */
  readonly language: string;
  /** Tools the model may call (an agent's); none when left out. */
  readonly tools?: readonly AgentToolSpec[];
  /** The conversation so far (oldest first), put in the model's context without asking it to answer. */
  readonly history?: readonly RealtimeHistoryMessage[];
}

/** One open conversation with a realtime model. Never throws: failures come back as events. */
export interface RealtimeConnection {
  /** The user's audio, PCM16 mono at the engine's {@link RealtimeVoiceEngine.inputSampleRate}. */
  sendAudio(pcm: Buffer): void;
  /** A user turn typed instead of spoken: the model answers it. */
  sendText(text: string): void;
  /** The answer to a `tool.call`: the model reads it and goes on answering. */
  sendToolResult(result: TranscriptToolResult): void;
  /** Stops the response `responseId` if it is still being generated (barge-in), and no other one. */
  cancelResponse(responseId: string): void;
  /** The answer `itemId` was heard up to `playedMs` of its audio: the model's context keeps only that. */
  truncate(itemId: string, playedMs: number): void;
  close(): void;
}

/**
 * A speech-to-speech model provider (OpenAI Realtime, Gemini Live): one adapter plus one registry
 * line. The session resamples between the client's rate and the engine's.
 */
export interface RealtimeVoiceEngine {
  /** The provider part of model ids it serves (`openai` in `openai/gpt-realtime`). */
  readonly provider: string;
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  /** Whether it can run here (key configured); the reason when not. */
  availability(): Promise<EngineAvailability>;
  /** Opens a conversation; rejects with a {@link RealtimeVoiceError} when the provider refuses it. */
  connect(
    options: RealtimeConnectOptions,
    listener: (event: RealtimeEvent) => void,
  ): Promise<RealtimeConnection>;
}

export class RealtimeVoiceError extends Error {
  constructor(
    readonly engine: string,
    readonly failure: SpeechEngineFailure,
    message: string,
  ) {
    super(message);
    this.name = 'RealtimeVoiceError';
  }
}
