import { connect as netConnect, type NetConnectOpts } from 'node:net';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { OpenAIRealtimeError } from 'openai/realtime/internal-base';
import type { AgentToolSpec, TranscriptToolResult } from '@conduit/contracts';
import type { VoiceConfig } from '../config';
import { modelToolOutput } from '../tools/tool-events';
import { isoLanguage, openAIAudioClient } from '../stt/openai-client';
import { failureOfStatus, providerDetail } from '../stt/provider-failure';
import type { EngineAvailability } from '../stt/speech-to-text.port';
import {
  RealtimeVoiceError,
  type RealtimeConnection,
  type RealtimeConnectOptions,
  type RealtimeEvent,
  type RealtimeHistoryMessage,
  type RealtimeUsage,
  type RealtimeVoiceEngine,
} from './realtime-voice.port';

const PROVIDER = 'openai';
/** OpenAI Realtime's PCM (`audio/pcm`) is 24 kHz mono 16-bit, both ways. */
const SAMPLE_RATE = 24_000;
/** Errors OpenAI sends when a cancel finds nothing to cancel: expected around barge-in, not failures. */
const HARMLESS_ERROR_CODES = new Set([
  'response_cancel_not_active',
  'conversation_already_has_active_response',
]);

export interface OpenAIRealtimeOptions {
  readonly apiKey: string | undefined;
  /** Unset: OpenAI's. An `http:` URL (a local server) is reached over plain `ws:`. */
  readonly baseUrl: string | undefined;
  readonly timeoutMs: number;
  readonly voice: string;
  readonly transcriptionModel: string;
}

/**
 * OpenAI's Realtime API over the SDK's WebSocket client (`OpenAIRealtimeWS`): the user's audio is
 * appended as it comes, OpenAI's server VAD takes the turns and answers them (and cancels an answer
 * the user speaks over), transcribing the user's speech alongside.
 */
export class OpenAIRealtimeEngine implements RealtimeVoiceEngine {
  readonly provider = PROVIDER;
  readonly inputSampleRate = SAMPLE_RATE;
  readonly outputSampleRate = SAMPLE_RATE;

  constructor(private readonly options: OpenAIRealtimeOptions) {}

  static fromConfig(config: VoiceConfig): OpenAIRealtimeEngine {
    return new OpenAIRealtimeEngine({
      apiKey: config.OPENAI_API_KEY,
      baseUrl: config.OPENAI_REALTIME_BASE_URL ?? config.OPENAI_BASE_URL,
      timeoutMs: config.VOICE_PROVIDER_TIMEOUT_MS,
      voice: config.VOICE_OPENAI_REALTIME_VOICE,
      transcriptionModel: config.VOICE_OPENAI_STT_MODEL,
    });
  }

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(
      this.options.apiKey ? { available: true } : { available: false, reason: 'OPENAI_API_KEY is not set' },
    );
  }

  async connect(
    options: RealtimeConnectOptions,
    listener: (event: RealtimeEvent) => void,
  ): Promise<RealtimeConnection> {
    const client = openAIAudioClient(this.options);
    const plain = new URL(client.baseURL).protocol === 'http:';
    // The SDK always dials wss:; a local http: server speaks plain ws on the same port.
    const socket = new OpenAIRealtimeWS(
      {
        model: options.model,
        options: {
          handshakeTimeout: this.options.timeoutMs,
          ...(plain ? { createConnection: plainConnect } : {}),
        },
      },
      client,
    );
    const connection = new OpenAIRealtimeConnection(socket, listener);
    await connection.open(
      {
        type: 'realtime',
        output_modalities: ['audio'],
        ...(options.instructions ? { instructions: options.instructions } : {}),
        ...(options.tools?.length ? { tools: options.tools.map(functionTool), tool_choice: 'auto' } : {}),
        audio: {
          input: {
            format: { type: 'audio/pcm', rate: SAMPLE_RATE },
            transcription: {
              model: this.options.transcriptionModel,
              language: isoLanguage(options.language),
            },
            turn_detection: { type: 'server_vad', create_response: true, interrupt_response: true },
          },
          output: {
            format: { type: 'audio/pcm', rate: SAMPLE_RATE },
            voice: options.voice ?? this.options.voice,
          },
        },
      },
      this.options.timeoutMs,
    );
    connection.replay(options.history ?? []);
    return connection;
  }
}

function functionTool(spec: AgentToolSpec) {
  return {
    type: 'function' as const,
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
  };
}

/** ws's own plain connector: `path` is the URL's path to ws, never an IPC socket. */
const plainConnect = ((options: NetConnectOpts & { socketPath?: string }) =>
  netConnect({ ...options, path: options.socketPath } as NetConnectOpts)) as typeof netConnect;

type SessionConfig = Extract<Parameters<OpenAIRealtimeWS['send']>[0], { type: 'session.update' }>['session'];

class OpenAIRealtimeConnection implements RealtimeConnection {
  private closedByUs = false;
  private gone = false;
  /** The user's speech transcribed so far, by item (OpenAI sends deltas). */
  private readonly inputTranscripts = new Map<string, string>();
  /**
   * Responses that called tools: the calls not yet answered, and whether the response is over. Once both,
   * a new response is asked for, so that the model answers with the results.
   */
  private readonly toolRounds = new Map<string, { pending: Set<string>; over: boolean; cut: boolean }>();
  /** Each unanswered call's response. */
  private readonly responseOfCall = new Map<string, string>();

  constructor(
    private readonly socket: OpenAIRealtimeWS,
    private readonly listener: (event: RealtimeEvent) => void,
  ) {}

  /** Resolves once OpenAI took the session's settings; rejects with what refused it. */
  open(session: SessionConfig, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: RealtimeVoiceError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          this.closedByUs = true;
          this.socket.socket.terminate();
          reject(error);
        } else resolve();
      };
      const timer = setTimeout(
        () => settle(new RealtimeVoiceError(PROVIDER, 'upstream', 'OpenAI Realtime did not answer in time')),
        timeoutMs,
      );
      this.socket.socket.once('open', () => this.socket.send({ type: 'session.update', session }));
      this.socket.on('session.updated', () => settle());
      this.socket.on('event', (event) => this.relay(event));
      this.socket.on('error', (error) => {
        const failure = failureOf(error);
        if (!failure) return;
        if (!settled) return settle(failure);
        this.listener({ type: 'error', error: failure });
      });
      this.socket.socket.on('close', (code, reason) => {
        const error = new RealtimeVoiceError(
          PROVIDER,
          'upstream',
          `OpenAI Realtime closed the connection (${code}${reason.length ? `: ${reason.toString()}` : ''})`,
        );
        if (!settled) return settle(error);
        if (this.closedByUs || this.gone) return;
        this.gone = true;
        this.listener({ type: 'closed', error });
      });
    });
  }

  /** Puts earlier messages in the conversation, in order, without asking for a response. */
  replay(history: readonly RealtimeHistoryMessage[]): void {
    for (const message of history)
      this.send({
        type: 'conversation.item.create',
        item:
          message.role === 'user'
            ? { type: 'message', role: 'user', content: [{ type: 'input_text', text: message.text }] }
            : {
                type: 'message',
                role: 'assistant',
                content: [{ type: 'output_text', text: message.text }],
              },
      });
  }

  sendAudio(pcm: Buffer): void {
    this.send({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });
  }

  sendText(text: string): void {
    this.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
    this.send({ type: 'response.create' });
  }

  sendToolResult(result: TranscriptToolResult): void {
    this.send({
      type: 'conversation.item.create',
      item: {
        type: 'function_call_output',
        call_id: result.callId,
        output: JSON.stringify(modelToolOutput(result)),
      },
    });
    const responseId = this.responseOfCall.get(result.callId);
    this.responseOfCall.delete(result.callId);
    if (responseId === undefined) return;
    this.toolRounds.get(responseId)?.pending.delete(result.callId);
    this.continueAfterTools(responseId);
  }

  /** Asks for the answer that reads the results once the response is over and each call answered. */
  private continueAfterTools(responseId: string): void {
    const round = this.toolRounds.get(responseId);
    if (!round?.over || round.pending.size > 0) return;
    this.toolRounds.delete(responseId);
    // A response the user cut is followed by the answer to what they said instead.
    if (!round.cut) this.send({ type: 'response.create' });
  }

  cancelResponse(responseId: string): void {
    this.send({ type: 'response.cancel', response_id: responseId });
  }

  truncate(itemId: string, playedMs: number): void {
    this.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.max(0, Math.floor(playedMs)),
    });
  }

  close(): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.socket.close({ code: 1000, reason: 'session ended' });
  }

  private send(event: Parameters<OpenAIRealtimeWS['send']>[0]): void {
    if (this.closedByUs || this.gone || this.socket.socket.readyState !== this.socket.socket.OPEN) return;
    this.socket.send(event);
  }

  private relay(event: RealtimeServerEvent): void {
    if (this.closedByUs) return;
    const emit = this.listener;
    switch (event.type) {
      case 'input_audio_buffer.speech_started':
        return emit({ type: 'speech.started', audioMs: event.audio_start_ms });
      case 'input_audio_buffer.speech_stopped':
        return emit({ type: 'speech.stopped', audioMs: event.audio_end_ms });
      case 'conversation.item.input_audio_transcription.delta': {
        const text = (this.inputTranscripts.get(event.item_id) ?? '') + (event.delta ?? '');
        this.inputTranscripts.set(event.item_id, text);
        return emit({ type: 'input.transcript', kind: 'partial', text });
      }
      case 'conversation.item.input_audio_transcription.completed':
        this.inputTranscripts.delete(event.item_id);
        return emit({ type: 'input.transcript', kind: 'final', text: event.transcript });
      case 'response.created':
        return emit({ type: 'response.started', responseId: event.response.id ?? '' });
      case 'response.output_audio.delta':
        return emit({
          type: 'response.audio',
          itemId: event.item_id,
          pcm: Buffer.from(event.delta, 'base64'),
        });
      case 'response.output_audio_transcript.delta':
        return emit({ type: 'response.text', itemId: event.item_id, text: event.delta });
      case 'response.function_call_arguments.done': {
        const round = this.toolRounds.get(event.response_id) ?? {
          pending: new Set(),
          over: false,
          cut: false,
        };
        round.pending.add(event.call_id);
        this.toolRounds.set(event.response_id, round);
        this.responseOfCall.set(event.call_id, event.response_id);
        return emit({
          type: 'tool.call',
          callId: event.call_id,
          name: event.name,
          arguments: event.arguments,
        });
      }
      case 'response.done': {
        const { status, usage } = event.response;
        const round = this.toolRounds.get(event.response.id ?? '');
        if (round) {
          round.over = true;
          round.cut = status === 'cancelled';
          this.continueAfterTools(event.response.id ?? '');
        }
        return emit({
          type: 'response.done',
          responseId: event.response.id ?? '',
          status: status === 'cancelled' ? 'cancelled' : status === 'failed' ? 'failed' : 'completed',
          usage: usage ? usageOf(usage) : null,
        });
      }
      default:
        return;
    }
  }
}

function usageOf(
  usage: NonNullable<Extract<RealtimeServerEvent, { type: 'response.done' }>['response']['usage']>,
): RealtimeUsage {
  const input = usage.input_token_details;
  const output = usage.output_token_details;
  const inputAudio = input?.audio_tokens ?? 0;
  const outputAudio = output?.audio_tokens ?? 0;
  return {
    inputAudioTokens: inputAudio,
    inputTextTokens: input?.text_tokens ?? Math.max(0, (usage.input_tokens ?? 0) - inputAudio),
    cachedTokens: input?.cached_tokens ?? 0,
    outputAudioTokens: outputAudio,
    outputTextTokens: output?.text_tokens ?? Math.max(0, (usage.output_tokens ?? 0) - outputAudio),
  };
}

/** An SDK error as a port failure; null for the harmless ones (a cancel with nothing to cancel). */
function failureOf(error: OpenAIRealtimeError): RealtimeVoiceError | null {
  const code = error.error?.code ?? undefined;
  if (code && HARMLESS_ERROR_CODES.has(code)) return null;
  // A refused upgrade reaches the SDK as ws's "Unexpected server response: <status>".
  const status = /Unexpected server response: (\d{3})/.exec(error.message)?.[1];
  if (status) {
    const failure = failureOfStatus(Number(status));
    return new RealtimeVoiceError(
      PROVIDER,
      failure,
      `OpenAI Realtime: ${providerDetail(failure, `HTTP ${status}`)}`,
    );
  }
  if (error.error) {
    const failure =
      error.error.type === 'invalid_request_error'
        ? 'bad_request'
        : code === 'rate_limit_exceeded'
          ? 'rate_limited'
          : 'upstream';
    return new RealtimeVoiceError(
      PROVIDER,
      failure,
      `OpenAI Realtime: ${providerDetail(failure, error.error.message)}`,
    );
  }
  return new RealtimeVoiceError(
    PROVIDER,
    'upstream',
    `OpenAI Realtime: ${providerDetail('upstream', error.message)}`,
  );
}
