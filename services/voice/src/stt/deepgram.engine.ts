import { DeepgramClient, DeepgramError, DeepgramTimeoutError, type Deepgram } from '@deepgram/sdk';
import { Readable } from 'node:stream';
import type { PcmAudio } from '../audio/pcm-audio';
import type { VoiceConfig } from '../config';
import { pcmSeconds } from '../audio/pcm-audio';
import { retryAfterMs } from '@conduit/service-kit';
import { failureOfStatus, isAbortError, messageOf, providerDetail } from './provider-failure';
import { wsTransportFactory, type UpgradeRefusal } from './deepgram-transport';
import {
  SpeechToTextError,
  type EngineAvailability,
  type LiveRecognition,
  type RecognitionOptions,
  type SpeechEngineFailure,
  type SpeechToTextEngine,
  type TranscriptionResult,
} from './speech-to-text.port';
import { TranscriptUpdates } from './transcript-updates';
import { wavUpload } from './wav-upload';

export interface DeepgramEngineOptions {
  /** Unset: the engine says so through `availability()` and every call fails `unavailable`. */
  readonly apiKey: string | undefined;
  /** An http(s) origin; unset takes Deepgram's (`https://api.deepgram.com`, `wss://` for live). */
  readonly baseUrl: string | undefined;
  readonly model: string;
  readonly endpointingMs: number;
  readonly utteranceEndMs: number;
  readonly timeoutMs: number;
}

const ENGINE = 'deepgram';
const SAMPLE_RATE = 16_000;
/** Deepgram closes a live socket after about 10 s without audio; KeepAlive holds it open through pauses. */
const KEEP_ALIVE_MS = 5_000;

/** Deepgram speech-to-text: live recognition over its streaming socket, recordings through its REST API. */
export class DeepgramSpeechToText implements SpeechToTextEngine {
  readonly id = ENGINE;
  readonly sampleRate = SAMPLE_RATE;

  constructor(private readonly options: DeepgramEngineOptions) {}

  static fromConfig(config: VoiceConfig): DeepgramSpeechToText {
    return new DeepgramSpeechToText({
      apiKey: config.DEEPGRAM_API_KEY,
      baseUrl: config.DEEPGRAM_BASE_URL,
      model: config.VOICE_DEEPGRAM_MODEL,
      endpointingMs: config.VOICE_DEEPGRAM_ENDPOINTING_MS,
      utteranceEndMs: config.VOICE_DEEPGRAM_UTTERANCE_END_MS,
      timeoutMs: config.VOICE_PROVIDER_TIMEOUT_MS,
    });
  }

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(
      this.options.apiKey ? { available: true } : { available: false, reason: 'DEEPGRAM_API_KEY is not set' },
    );
  }

  recognize(options: RecognitionOptions): LiveRecognition {
    return new DeepgramLiveRecognition(this.options, options);
  }

  async transcribe(audio: PcmAudio, options: RecognitionOptions): Promise<TranscriptionResult> {
    try {
      const response = await deepgramClient(this.options).listen.v1.media.transcribeFile(
        // As a stream: the SDK's own Content-Length header for a Buffer is refused by an npm undici global
        // dispatcher (the integration test runs have one), while a streamed body is sent chunked.
        Readable.from([wavUpload(audio)]),
        {
          model: (options.model ?? this.options.model) as Deepgram.listen.v1.MediaTranscribeRequestModel,
          language: options.language,
          punctuate: true,
          smart_format: true,
        },
        { abortSignal: options.signal, timeoutInSeconds: this.options.timeoutMs / 1000, maxRetries: 0 },
      );
      if (!('results' in response)) {
        throw new SpeechToTextError(ENGINE, 'upstream', 'Deepgram accepted the recording for a callback');
      }
      const channel = response.results.channels[0];
      return {
        text: channel?.alternatives?.[0]?.transcript ?? '',
        language: channel?.detected_language ?? options.language,
        durationSeconds: response.metadata.duration ?? pcmSeconds(audio.data.length, audio.sampleRate),
      };
    } catch (error) {
      throw restFailure(error, options.signal);
    }
  }
}

/** A client per call: the live transport reports refusals to the recognition that opened it. */
function deepgramClient(
  { apiKey, baseUrl }: DeepgramEngineOptions,
  onRefused: (refusal: UpgradeRefusal) => void = () => undefined,
): DeepgramClient {
  if (!apiKey) throw new SpeechToTextError(ENGINE, 'unavailable', 'DEEPGRAM_API_KEY is not set');
  return new DeepgramClient({
    apiKey,
    ...(baseUrl ? { baseUrl } : {}),
    transportFactory: wsTransportFactory(onRefused),
    maxRetries: 0,
  });
}

function restFailure(error: unknown, signal: AbortSignal): unknown {
  if (error instanceof SpeechToTextError) return error;
  if (signal.aborted || isAbortError(error)) return signal.reason ?? error;
  if (error instanceof DeepgramTimeoutError) {
    return new SpeechToTextError(ENGINE, 'upstream', 'Deepgram did not answer in time');
  }
  if (error instanceof DeepgramError && error.statusCode !== undefined) {
    const failure = failureOfStatus(error.statusCode);
    return new SpeechToTextError(
      ENGINE,
      failure,
      `Deepgram: ${providerDetail(failure, errorMessageOf(error.body) ?? error.message)}`,
      failure === 'rate_limited' ? (retryAfterMs(error.rawResponse?.headers) ?? undefined) : undefined,
    );
  }
  return new SpeechToTextError(ENGINE, 'upstream', `Deepgram could not be reached: ${messageOf(error)}`);
}

/** Deepgram's error bodies: `{err_code, err_msg}` or `{category, message}`. */
function errorMessageOf(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return errorMessageOf(JSON.parse(body));
    } catch {
      return body || undefined;
    }
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { err_msg, message } = body as { err_msg?: unknown; message?: unknown };
  if (typeof err_msg === 'string') return err_msg;
  return typeof message === 'string' ? message : undefined;
}

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

/**
 * One live recognition on one Deepgram socket. Deepgram sends interim results, then `is_final` segments;
 * an utterance ends at `speech_final` (endpointing), at `UtteranceEnd`, or when the stream closes. Each
 * update carries the whole utterance so far: its final segments plus the current interim one.
 */
class DeepgramLiveRecognition implements LiveRecognition {
  readonly updates: TranscriptUpdates;
  private socket: ListenSocket | undefined;
  private open = false;
  private ended = false;
  private readonly pending: Buffer[] = [];
  private readonly segments: string[] = [];
  private readonly confidences: number[] = [];
  private refusal: UpgradeRefusal | undefined;
  private lastSentAt = Date.now();
  private keepAlive: NodeJS.Timeout | undefined;
  private finishTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: DeepgramEngineOptions,
    private readonly options: RecognitionOptions,
  ) {
    this.updates = new TranscriptUpdates(options.signal);
    options.signal.addEventListener('abort', () => this.stop(), { once: true });
    if (!options.signal.aborted) void this.start();
  }

  write(audio: Buffer): void {
    if (this.ended || this.updates.done) return;
    if (this.open && this.socket) this.send(audio);
    else this.pending.push(audio);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.open) this.closeStream();
  }

  private async start(): Promise<void> {
    const { model, endpointingMs, utteranceEndMs, timeoutMs } = this.engine;
    try {
      const client = deepgramClient(this.engine, (refusal) => (this.refusal = refusal));
      const socket = await client.listen.v1.connect({
        model: this.options.model ?? model,
        language: this.options.language,
        encoding: 'linear16',
        sample_rate: SAMPLE_RATE,
        channels: 1,
        interim_results: 'true',
        punctuate: 'true',
        smart_format: 'true',
        endpointing: endpointingMs === 0 ? 'false' : endpointingMs,
        utterance_end_ms: utteranceEndMs,
        vad_events: 'true',
        connectionTimeoutInSeconds: timeoutMs / 1000,
        abortSignal: this.options.signal,
        shouldReconnect: () => false,
      });
      if (this.options.signal.aborted) return socket.close();
      this.socket = socket;
      socket.on('open', () => this.opened());
      socket.on('message', (message) => this.received(message));
      socket.on('error', (error) => this.failed(error));
      socket.on('close', (event) => this.closed(event.code, event.reason ?? ''));
      socket.connect();
    } catch (error) {
      this.failed(error);
    }
  }

  private opened(): void {
    this.open = true;
    for (const audio of this.pending.splice(0)) this.send(audio);
    if (this.ended) return this.closeStream();
    this.keepAlive = setInterval(() => {
      if (Date.now() - this.lastSentAt >= KEEP_ALIVE_MS)
        this.control(() => this.socket?.sendKeepAlive({ type: 'KeepAlive' }));
    }, KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  private send(audio: Buffer): void {
    this.lastSentAt = Date.now();
    this.control(() => this.socket?.sendMedia(audio));
  }

  /** Asks Deepgram for the last results of what was sent; it answers them, then closes the socket. */
  private closeStream(): void {
    this.control(() => this.socket?.sendCloseStream({ type: 'CloseStream' }));
    this.finishTimer = setTimeout(
      () => this.fail('upstream', 'Deepgram did not finish the transcript in time'),
      this.engine.timeoutMs,
    );
    this.finishTimer.unref();
  }

  /** A send on a socket that just broke throws; the close or error event that follows reports it. */
  private control(send: () => void): void {
    try {
      send();
    } catch {
      // reported by the socket's own events
    }
  }

  private received(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    switch ((message as { type?: unknown }).type) {
      case 'Results':
        return this.result(message as Deepgram.listen.ListenV1Results);
      case 'UtteranceEnd':
        return this.utteranceEnded();
      default:
        return;
    }
  }

  private result(message: Deepgram.listen.ListenV1Results): void {
    const best = message.channel?.alternatives?.[0];
    const text = best?.transcript?.trim() ?? '';
    if (message.is_final) {
      if (text) {
        this.segments.push(text);
        if (typeof best?.confidence === 'number') this.confidences.push(best.confidence);
      }
      if (message.speech_final) return this.utteranceEnded();
      if (text) this.updates.push({ kind: 'partial', text: this.segments.join(' ') });
      return;
    }
    if (text) this.updates.push({ kind: 'partial', text: [...this.segments, text].join(' ') });
  }

  private utteranceEnded(): void {
    if (this.segments.length === 0) return;
    const confidence = this.confidences.length
      ? this.confidences.reduce((sum, value) => sum + value, 0) / this.confidences.length
      : undefined;
    this.updates.push({
      kind: 'final',
      text: this.segments.join(' '),
      ...(confidence !== undefined ? { confidence } : {}),
    });
    this.segments.length = 0;
    this.confidences.length = 0;
  }

  private closed(code: number, reason: string): void {
    this.cleanup();
    if (this.updates.done) return;
    if (this.ended && (code === 1000 || code === 1005)) {
      this.utteranceEnded();
      this.updates.finish();
      return;
    }
    // Deepgram closes with 1008 when it cannot decode the audio, 1011 when it timed out or failed.
    const failure: SpeechEngineFailure = code === 1008 ? 'bad_request' : 'upstream';
    this.fail(failure, `Deepgram closed the stream (${code}${reason ? `: ${reason}` : ''})`);
  }

  private failed(error: unknown): void {
    if (this.updates.done) return;
    if (error instanceof SpeechToTextError) return this.updates.fail(error);
    const refusal = this.refusal;
    if (refusal) {
      const failure = failureOfStatus(refusal.status);
      return this.fail(
        failure,
        `Deepgram refused the stream: ${providerDetail(failure, errorMessageOf(refusal.body) ?? `HTTP ${refusal.status}`)}`,
        failure === 'rate_limited' ? (retryAfterMs(refusal.headers) ?? undefined) : undefined,
      );
    }
    const message = messageOf(error);
    this.fail('upstream', message === 'TIMEOUT' ? 'Deepgram did not answer in time' : `Deepgram: ${message}`);
  }

  private fail(failure: SpeechEngineFailure, message: string, retryAfter?: number): void {
    this.updates.fail(new SpeechToTextError(ENGINE, failure, message, retryAfter));
    this.stop();
  }

  private stop(): void {
    this.cleanup();
    const socket = this.socket;
    this.socket = undefined;
    this.open = false;
    socket?.close();
  }

  private cleanup(): void {
    clearInterval(this.keepAlive);
    clearTimeout(this.finishTimer);
  }
}
