import { ElevenLabsClient, ElevenLabsError, ElevenLabsTimeoutError } from '@elevenlabs/elevenlabs-js';
import type { VoiceConfig } from '../config';
import { retryAfterMs } from '@conduit/service-kit';
import { failureOfStatus, messageOf, providerDetail } from '../stt/provider-failure';
import type { EngineAvailability } from '../stt/speech-to-text.port';
import { evenChunks } from './even-chunks';
import {
  TextToSpeechError,
  type SynthesisOptions,
  type TextToSpeechEngine,
  type VoiceInfo,
} from './text-to-speech.port';

export interface ElevenLabsOptions {
  /** Unset: the engine says so through `availability()` and every call fails `unavailable`. */
  readonly apiKey: string | undefined;
  /** Unset: ElevenLabs' (`https://api.elevenlabs.io`). */
  readonly baseUrl: string | undefined;
  readonly model: string;
  readonly voice: string;
  /** 16000 or 24000: asked for as `pcm_16000` / `pcm_24000`. */
  readonly sampleRate: 16_000 | 24_000;
  readonly timeoutMs: number;
}

const ENGINE = 'elevenlabs';

/** ElevenLabs streaming text-to-speech (`/v1/text-to-speech/{voice_id}/stream`), raw PCM read as it arrives. */
export class ElevenLabsTextToSpeech implements TextToSpeechEngine {
  readonly id = ENGINE;
  readonly sampleRate: number;
  private readonly client: ElevenLabsClient | undefined;

  constructor(private readonly options: ElevenLabsOptions) {
    this.sampleRate = options.sampleRate;
    this.client = options.apiKey
      ? new ElevenLabsClient({
          apiKey: options.apiKey,
          ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
          timeoutInSeconds: options.timeoutMs / 1000,
          maxRetries: 0,
        })
      : undefined;
  }

  static fromConfig(config: VoiceConfig): ElevenLabsTextToSpeech {
    return new ElevenLabsTextToSpeech({
      apiKey: config.ELEVENLABS_API_KEY,
      baseUrl: config.ELEVENLABS_BASE_URL,
      model: config.VOICE_ELEVENLABS_MODEL,
      voice: config.VOICE_ELEVENLABS_VOICE,
      sampleRate: config.VOICE_ELEVENLABS_SAMPLE_RATE === 16_000 ? 16_000 : 24_000,
      timeoutMs: config.VOICE_PROVIDER_TIMEOUT_MS,
    });
  }

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(
      this.client ? { available: true } : { available: false, reason: 'ELEVENLABS_API_KEY is not set' },
    );
  }

  async voices(): Promise<readonly VoiceInfo[]> {
    const client = this.requireClient();
    try {
      const { voices } = await client.voices.getAll({}, { maxRetries: 0 });
      return voices.map((voice) => ({
        id: voice.voiceId,
        name: voice.name ?? voice.voiceId,
        ...(voice.labels?.language ? { language: voice.labels.language } : {}),
      }));
    } catch (error) {
      throw failure(error);
    }
  }

  async *synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer> {
    const client = this.requireClient();
    try {
      const body = await client.textToSpeech.stream(
        options.voice ?? this.options.voice,
        {
          text,
          modelId: options.model ?? this.options.model,
          outputFormat: this.sampleRate === 16_000 ? 'pcm_16000' : 'pcm_24000',
        },
        { abortSignal: options.signal, maxRetries: 0 },
      );
      for await (const chunk of evenChunks(body, options.signal)) yield chunk;
    } catch (error) {
      if (options.signal.aborted) return;
      throw failure(error);
    }
  }

  private requireClient(): ElevenLabsClient {
    if (!this.client) throw new TextToSpeechError(ENGINE, 'unavailable', 'ELEVENLABS_API_KEY is not set');
    return this.client;
  }
}

function failure(error: unknown): TextToSpeechError {
  if (error instanceof TextToSpeechError) return error;
  if (error instanceof ElevenLabsTimeoutError) {
    return new TextToSpeechError(ENGINE, 'upstream', 'ElevenLabs did not answer in time');
  }
  if (error instanceof ElevenLabsError && error.statusCode !== undefined) {
    const kind = failureOfStatus(error.statusCode);
    return new TextToSpeechError(
      ENGINE,
      kind,
      `ElevenLabs: ${providerDetail(kind, detailOf(error.body) ?? error.message)}`,
      kind === 'rate_limited' ? (retryAfterMs(error.rawResponse?.headers) ?? undefined) : undefined,
    );
  }
  return new TextToSpeechError(ENGINE, 'upstream', `ElevenLabs: the answer broke off (${messageOf(error)})`);
}

/** ElevenLabs' error bodies: `{detail: {status, message}}` (or `detail` as a string). */
function detailOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { detail } = body as { detail?: unknown };
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object' && detail !== null) {
    const { message } = detail as { message?: unknown };
    if (typeof message === 'string') return message;
  }
  return undefined;
}
