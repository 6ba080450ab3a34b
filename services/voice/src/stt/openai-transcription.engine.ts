import OpenAI, { toFile } from 'openai';
import type { PcmAudio } from '../audio/pcm-audio';
import { pcmSeconds } from '../audio/pcm-audio';
import type { VoiceConfig } from '../config';
import { isoLanguage, openAIAudioClient, openAIFailure, type OpenAIAudioOptions } from './openai-client';
import {
  SpeechToTextError,
  type EngineAvailability,
  type LiveRecognition,
  type RecognitionOptions,
  type SpeechToTextEngine,
  type TranscriptionResult,
} from './speech-to-text.port';
import { TranscriptUpdates } from './transcript-updates';
import { wavUpload } from './wav-upload';

export interface OpenAITranscriptionOptions extends OpenAIAudioOptions {
  readonly model: string;
}

const ENGINE = 'openai';
const SAMPLE_RATE = 16_000;
/** The models that stream `transcript.text.delta` events; `whisper-1` answers the whole text at once. */
const STREAMING_MODEL = /^gpt-4o(-mini)?-transcribe/;

/**
 * OpenAI transcription (`/v1/audio/transcriptions`). OpenAI has no live recognition on this endpoint:
 * a live recognition buffers the turn and transcribes it at `end()`, streaming the text as partial
 * updates where the model can.
 */
export class OpenAISpeechToText implements SpeechToTextEngine {
  readonly id = ENGINE;
  readonly sampleRate = SAMPLE_RATE;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAITranscriptionOptions) {
    this.client = openAIAudioClient(options);
  }

  static fromConfig(config: VoiceConfig): OpenAISpeechToText {
    return new OpenAISpeechToText({
      apiKey: config.OPENAI_API_KEY,
      baseUrl: config.OPENAI_BASE_URL,
      timeoutMs: config.VOICE_PROVIDER_TIMEOUT_MS,
      model: config.VOICE_OPENAI_STT_MODEL,
    });
  }

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(
      this.options.apiKey ? { available: true } : { available: false, reason: 'OPENAI_API_KEY is not set' },
    );
  }

  recognize(options: RecognitionOptions): LiveRecognition {
    const updates = new TranscriptUpdates(options.signal);
    const turn: Buffer[] = [];
    let ended = false;
    return {
      updates,
      write: (audio) => {
        if (!ended) turn.push(audio);
      },
      end: () => {
        if (ended) return;
        ended = true;
        void this.transcribeTurn({ sampleRate: SAMPLE_RATE, data: Buffer.concat(turn) }, options, updates);
      },
    };
  }

  async transcribe(audio: PcmAudio, options: RecognitionOptions): Promise<TranscriptionResult> {
    this.requireKey();
    try {
      const result = await this.client.audio.transcriptions.create(
        { ...(await this.request(audio, options)), stream: false, response_format: 'json' },
        { signal: options.signal },
      );
      return {
        text: result.text,
        language: options.language,
        durationSeconds: pcmSeconds(audio.data.length, audio.sampleRate),
      };
    } catch (error) {
      throw this.failure(error, options.signal);
    }
  }

  private async transcribeTurn(
    audio: PcmAudio,
    options: RecognitionOptions,
    updates: TranscriptUpdates,
  ): Promise<void> {
    try {
      this.requireKey();
      const model = options.model ?? this.options.model;
      if (!STREAMING_MODEL.test(model)) {
        const { text } = await this.transcribe(audio, options);
        if (text.trim()) updates.push({ kind: 'final', text: text.trim() });
        return updates.finish();
      }
      const stream = await this.client.audio.transcriptions.create(
        { ...(await this.request(audio, options)), stream: true },
        { signal: options.signal },
      );
      let text = '';
      for await (const event of stream) {
        if (event.type === 'transcript.text.delta') {
          text += event.delta;
          if (text.trim()) updates.push({ kind: 'partial', text: text.trim() });
        } else if (event.type === 'transcript.text.done') {
          if (event.text.trim()) updates.push({ kind: 'final', text: event.text.trim() });
          return updates.finish();
        }
      }
      // The body ended without `transcript.text.done`: the connection broke off.
      throw new SpeechToTextError(
        ENGINE,
        'upstream',
        'OpenAI ended the transcript stream before it was done',
      );
    } catch (error) {
      if (options.signal.aborted) return updates.finish();
      const failure = this.failure(error, options.signal);
      updates.fail(
        failure instanceof SpeechToTextError
          ? failure
          : new SpeechToTextError(ENGINE, 'upstream', `OpenAI: ${String(failure)}`),
      );
    }
  }

  private async request(audio: PcmAudio, options: RecognitionOptions) {
    return {
      file: await toFile(wavUpload(audio), 'speech.wav', { type: 'audio/wav' }),
      model: options.model ?? this.options.model,
      language: isoLanguage(options.language),
    };
  }

  private requireKey(): void {
    if (!this.options.apiKey) throw new SpeechToTextError(ENGINE, 'unavailable', 'OPENAI_API_KEY is not set');
  }

  private failure(error: unknown, signal: AbortSignal): unknown {
    if (error instanceof SpeechToTextError) return error;
    if (signal.aborted) return signal.reason;
    const { failure, message, retryAfterMs } = openAIFailure(error);
    return new SpeechToTextError(ENGINE, failure, message, retryAfterMs);
  }
}
