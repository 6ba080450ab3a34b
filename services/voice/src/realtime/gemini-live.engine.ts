import {
  GoogleGenAI,
  Modality,
  type LiveServerMessage,
  type LiveSession as Session,
  type UsageMetadata,
} from '@conduit/provider-clients';
import type { TranscriptToolResult } from '@conduit/contracts';
import type { VoiceConfig } from '../config';
import { modelToolOutput } from '../tools/tool-events';
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

const PROVIDER = 'google';
/** Gemini Live takes 16 kHz pcm16 and speaks 24 kHz pcm16. */
const INPUT_RATE = 16_000;
const OUTPUT_RATE = 24_000;

export interface GeminiLiveOptions {
  readonly apiKey: string | undefined;
  /** Unset: Google's. An `http:` URL (a local server) is reached over plain `ws:`. */
  readonly baseUrl: string | undefined;
  readonly voice: string;
}

/**
 * Gemini Live over `@google/genai` (`ai.live.connect`): audio in as `realtimeInput`, Gemini's automatic
 * activity detection takes the turns, and both sides are transcribed (`inputAudioTranscription`,
 * `outputAudioTranscription`). Gemini says no "speech started" of its own: the user's turn starts with
 * its first transcription (or an `interrupted` answer) and ends when the model starts answering. It
 * stops an answer the user speaks over itself (`interrupted`), and has no truncation to send.
 */
export class GeminiLiveEngine implements RealtimeVoiceEngine {
  readonly provider = PROVIDER;
  readonly inputSampleRate = INPUT_RATE;
  readonly outputSampleRate = OUTPUT_RATE;

  constructor(private readonly options: GeminiLiveOptions) {}

  static fromConfig(config: VoiceConfig): GeminiLiveEngine {
    return new GeminiLiveEngine({
      apiKey: config.GEMINI_API_KEY,
      baseUrl: config.GEMINI_BASE_URL,
      voice: config.VOICE_GEMINI_LIVE_VOICE,
    });
  }

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(
      this.options.apiKey ? { available: true } : { available: false, reason: 'GEMINI_API_KEY is not set' },
    );
  }

  async connect(
    options: RealtimeConnectOptions,
    listener: (event: RealtimeEvent) => void,
  ): Promise<RealtimeConnection> {
    const ai = new GoogleGenAI({
      apiKey: this.options.apiKey,
      ...(this.options.baseUrl ? { httpOptions: { baseUrl: this.options.baseUrl } } : {}),
    });
    const connection = new GeminiLiveConnection(listener);
    try {
      const session = await ai.live.connect({
        model: options.model,
        config: {
          responseModalities: [Modality.AUDIO],
          ...(options.instructions ? { systemInstruction: options.instructions } : {}),
          speechConfig: {
            languageCode: options.language,
            voiceConfig: { prebuiltVoiceConfig: { voiceName: options.voice ?? this.options.voice } },
          },
          inputAudioTranscription: {},
          outputAudioTranscription: {},
          ...(options.tools?.length
            ? {
                tools: [
                  {
                    functionDeclarations: options.tools.map((tool) => ({
                      name: tool.name,
                      description: tool.description,
                      parametersJsonSchema: tool.parameters,
                    })),
                  },
                ],
              }
            : {}),
        },
        callbacks: {
          onmessage: (message) => connection.relay(message),
          onclose: (event) => connection.closed(event.code, event.reason),
        },
      });
      connection.attach(session);
      connection.replay(options.history ?? []);
    } catch (error) {
      throw failureOf(error);
    }
    return connection;
  }
}

class GeminiLiveConnection implements RealtimeConnection {
  private session: Session | null = null;
  private closedByUs = false;
  private gone = false;
  private sentMs = 0;
  private userSpeaking = false;
  private inputTranscript = '';
  private responseCount = 0;
  private callCount = 0;
  /** The answer being generated: its id, and whether the user cut it (its audio is then dropped). */
  private answer: { id: string; interrupted: boolean } | null = null;
  private usage: RealtimeUsage | null = null;

  constructor(private readonly listener: (event: RealtimeEvent) => void) {}

  attach(session: Session): void {
    this.session = session;
  }

  /** Puts earlier messages in the model's context, in order, without asking it to answer. */
  replay(history: readonly RealtimeHistoryMessage[]): void {
    if (!this.session || history.length === 0) return;
    this.session.sendClientContent({
      turns: history.map((message) => ({
        role: message.role === 'user' ? 'user' : 'model',
        parts: [{ text: message.text }],
      })),
      turnComplete: false,
    });
  }

  sendAudio(pcm: Buffer): void {
    if (!this.session || this.closedByUs || this.gone) return;
    this.sentMs += (pcm.length / 2 / INPUT_RATE) * 1000;
    this.session.sendRealtimeInput({
      audio: { data: pcm.toString('base64'), mimeType: `audio/pcm;rate=${INPUT_RATE}` },
    });
  }

  sendText(text: string): void {
    if (!this.session || this.closedByUs || this.gone) return;
    this.session.sendClientContent({ turns: [{ role: 'user', parts: [{ text }] }], turnComplete: true });
  }

  sendToolResult(result: TranscriptToolResult): void {
    if (!this.session || this.closedByUs || this.gone) return;
    this.session.sendToolResponse({
      functionResponses: [{ id: result.callId, name: result.name, response: modelToolOutput(result) }],
    });
  }

  /** Gemini stops an answer the user speaks over by itself; what is still sent of it is dropped here. */
  cancelResponse(responseId: string): void {
    if (this.answer?.id === responseId) this.answer.interrupted = true;
  }

  truncate(): void {
    // Gemini Live has no truncation: it keeps in context what it generated.
  }

  close(): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.session?.close();
  }

  closed(code: number, reason: string): void {
    if (this.closedByUs || this.gone || !this.session) return;
    this.gone = true;
    this.listener({
      type: 'closed',
      error: new RealtimeVoiceError(
        PROVIDER,
        'upstream',
        `Gemini Live closed the connection (${code}${reason ? `: ${reason}` : ''})`,
      ),
    });
  }

  relay(message: LiveServerMessage): void {
    if (this.closedByUs) return;
    if (message.usageMetadata) {
      this.usage = usageOf(message.usageMetadata);
      // An interrupted answer ends with its usage (a turnComplete may not follow).
      if (this.answer?.interrupted) this.turnComplete();
    }
    const calls = message.toolCall?.functionCalls ?? [];
    if (calls.length > 0) this.toolCalls(calls);
    const content = message.serverContent;
    if (!content) return;
    const emit = this.listener;
    const heard = content.inputTranscription?.text;
    if (heard) {
      this.userHeard();
      this.inputTranscript += heard;
      emit({ type: 'input.transcript', kind: 'partial', text: this.inputTranscript.trim() });
    }
    if (content.interrupted) {
      this.userHeard();
      if (this.answer) this.answer.interrupted = true;
    }
    for (const part of content.modelTurn?.parts ?? []) {
      const data = part.inlineData?.data;
      if (!data || !part.inlineData?.mimeType?.startsWith('audio/')) continue;
      const answer = this.startAnswer();
      if (!answer.interrupted)
        emit({ type: 'response.audio', itemId: answer.id, pcm: Buffer.from(data, 'base64') });
    }
    const spoken = content.outputTranscription?.text;
    if (spoken) {
      const answer = this.startAnswer();
      if (!answer.interrupted) emit({ type: 'response.text', itemId: answer.id, text: spoken });
    }
    if (content.turnComplete) this.turnComplete();
  }

  /**
   * The model calls tools: the user's turn is over. An answer it had begun ends here (as OpenAI's response
   * that calls tools does); what it says after the results is the next one.
   */
  private toolCalls(calls: ReadonlyArray<{ id?: string; name?: string; args?: Record<string, unknown> }>) {
    if (!this.answer) this.endUserTurn();
    for (const call of calls) {
      this.listener({
        type: 'tool.call',
        callId: call.id ?? `gemini-call-${++this.callCount}`,
        name: call.name ?? '',
        arguments: JSON.stringify(call.args ?? {}),
      });
    }
    if (this.answer) this.turnComplete();
  }

  private userHeard(): void {
    if (this.userSpeaking) return;
    this.userSpeaking = true;
    this.listener({ type: 'speech.started', audioMs: Math.round(this.sentMs) });
  }

  /** The model's answer begins: the user's turn is over. */
  private startAnswer(): { id: string; interrupted: boolean } {
    if (this.answer?.interrupted && !this.userSpeaking) this.turnComplete();
    if (this.answer) return this.answer;
    this.endUserTurn();
    this.responseCount += 1;
    this.answer = { id: `gemini-response-${this.responseCount}`, interrupted: false };
    this.usage = null;
    this.listener({ type: 'response.started', responseId: this.answer.id });
    return this.answer;
  }

  private endUserTurn(): void {
    if (this.userSpeaking) {
      this.userSpeaking = false;
      this.listener({ type: 'speech.stopped', audioMs: Math.round(this.sentMs) });
    }
    if (this.inputTranscript) {
      this.listener({ type: 'input.transcript', kind: 'final', text: this.inputTranscript.trim() });
      this.inputTranscript = '';
    }
  }

  private turnComplete(): void {
    const answer = this.answer;
    this.answer = null;
    if (!answer) return this.endUserTurn();
    this.listener({
      type: 'response.done',
      responseId: answer.id,
      status: answer.interrupted ? 'cancelled' : 'completed',
      usage: this.usage,
    });
    this.usage = null;
  }
}

function usageOf(usage: UsageMetadata): RealtimeUsage {
  const byModality = (details: UsageMetadata['promptTokensDetails'], modality: string) =>
    (details ?? []).filter((d) => d.modality === modality).reduce((n, d) => n + (d.tokenCount ?? 0), 0);
  const inputAudio = byModality(usage.promptTokensDetails, 'AUDIO');
  const outputAudio = byModality(usage.responseTokensDetails, 'AUDIO');
  return {
    inputAudioTokens: inputAudio,
    inputTextTokens: Math.max(0, (usage.promptTokenCount ?? 0) - inputAudio),
    cachedTokens: usage.cachedContentTokenCount ?? 0,
    outputAudioTokens: outputAudio,
    outputTextTokens: Math.max(0, (usage.responseTokenCount ?? 0) - outputAudio),
  };
}

/** What `live.connect` threw, as a port failure: a refused upgrade names its HTTP status. */
function failureOf(error: unknown): RealtimeVoiceError {
  const message = error instanceof Error ? error.message : String(error);
  const status = /(\d{3})/.exec(/Unexpected server response: \d{3}/.exec(message)?.[0] ?? '')?.[1];
  const failure = status ? failureOfStatus(Number(status)) : 'upstream';
  return new RealtimeVoiceError(PROVIDER, failure, `Gemini Live: ${providerDetail(failure, message)}`);
}
