import type OpenAI from 'openai';
import type { VoiceConfig } from '../config';
import { openAIAudioClient, openAIFailure, type OpenAIAudioOptions } from '../stt/openai-client';
import type { EngineAvailability } from '../stt/speech-to-text.port';
import { evenChunks } from './even-chunks';
import {
  TextToSpeechError,
  type SynthesisOptions,
  type TextToSpeechEngine,
  type VoiceInfo,
} from './text-to-speech.port';

export interface OpenAISpeechOptions extends OpenAIAudioOptions {
  readonly model: string;
  readonly voice: string;
}

const ENGINE = 'openai';

/** OpenAI's built-in voices, as documented for `/v1/audio/speech` (there is no endpoint listing them). */
const VOICES = [
  'alloy',
  'ash',
  'ballad',
  'cedar',
  'coral',
  'echo',
  'fable',
  'marin',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
] as const;

/** OpenAI speech (`/v1/audio/speech`): `pcm` is 24 kHz 16-bit mono, read as the body arrives. */
export class OpenAITextToSpeech implements TextToSpeechEngine {
  readonly id = ENGINE;
  readonly sampleRate = 24_000;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAISpeechOptions) {
    this.client = openAIAudioClient(options);
  }

  static fromConfig(config: VoiceConfig): OpenAITextToSpeech {
    return new OpenAITextToSpeech({
      apiKey: config.OPENAI_API_KEY,
      baseUrl: config.OPENAI_BASE_URL,
      timeoutMs: config.VOICE_PROVIDER_TIMEOUT_MS,
      model: config.VOICE_OPENAI_TTS_MODEL,
      voice: config.VOICE_OPENAI_TTS_VOICE,
    });
  }

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(
      this.options.apiKey ? { available: true } : { available: false, reason: 'OPENAI_API_KEY is not set' },
    );
  }

  voices(): Promise<readonly VoiceInfo[]> {
    return Promise.resolve(VOICES.map((id) => ({ id, name: id[0]?.toUpperCase() + id.slice(1) })));
  }

  async *synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer> {
    if (!this.options.apiKey) throw new TextToSpeechError(ENGINE, 'unavailable', 'OPENAI_API_KEY is not set');
    try {
      const response = await this.client.audio.speech.create(
        {
          model: options.model ?? this.options.model,
          voice: options.voice ?? this.options.voice,
          input: text,
          response_format: 'pcm',
        },
        { signal: options.signal },
      );
      if (!response.body) throw new TextToSpeechError(ENGINE, 'upstream', 'OpenAI answered without audio');
      for await (const chunk of evenChunks(response.body, options.signal)) yield chunk;
    } catch (error) {
      if (options.signal.aborted) return;
      if (error instanceof TextToSpeechError) throw error;
      const { failure, message, retryAfterMs } = openAIFailure(error);
      throw new TextToSpeechError(ENGINE, failure, message, retryAfterMs);
    }
  }
}
