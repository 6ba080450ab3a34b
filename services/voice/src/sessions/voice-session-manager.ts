import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Bus, ChannelReader, ChannelWriter, encodeJson } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  VoiceSessionChannel,
  VoiceSessionControlSchema,
  type CallerContext,
  type OpenVoiceSessionResponse,
  type ParsedRequestOf,
  type VoiceContract,
  type VoiceStart,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { AudioCodec } from '../audio/audio-codec';
import { PcmResampler } from '../audio/pcm-resampler';
import type { VoiceConfig } from '../config';
import { EchoDetector } from '../echo/echo-detector';
import { ReadBackFilter } from '../echo/read-back-filter';
import { engineErrorToDomain } from '../engines/engine-errors';
import { UnknownEngineError } from '../engines/engine-registry';
import {
  REALTIME_VOICE,
  SPEECH_TO_TEXT,
  TEXT_TO_SPEECH,
  type SpeechToTextRegistry,
  type TextToSpeechRegistry,
} from '../engines/engines.providers';
import type { RealtimeVoiceRegistry } from '../realtime/realtime-registry';
import { VoiceMetering } from '../metering/voice-metering';
import { ChatReplies, type Conversation } from '../replies/chat-replies';
import { AgentTools } from '../tools/agent-tools';
import { VAD_SAMPLE_RATE, WebRtcVad, type VadMode } from '../vad/voice-activity-detector';
import type { LiveVoiceSession } from './live-voice-session';
import { RealtimeVoiceSession } from './realtime-voice-session';
import { VoiceSession, type VoiceSessionLimits, type VoiceSessionOutput } from './voice-session';

/**
 * The live sessions this replica owns. Opening one (a request in the service's queue group) pins it
 * here: this replica alone listens on the session's input subject, and drops any message on it that
 * does not come from the session's user.
 */
@Injectable()
export class VoiceSessionManager implements BeforeApplicationShutdown {
  private readonly logger = new Logger(VoiceSessionManager.name);
  private readonly sessions = new Map<string, LiveVoiceSession>();

  constructor(
    private readonly bus: Bus,
    private readonly chat: ChatReplies,
    private readonly agentTools: AgentTools,
    private readonly metering: VoiceMetering,
    @Inject(SPEECH_TO_TEXT) private readonly recognisers: SpeechToTextRegistry,
    @Inject(TEXT_TO_SPEECH) private readonly synthesisers: TextToSpeechRegistry,
    @Inject(REALTIME_VOICE) private readonly realtime: RealtimeVoiceRegistry,
    private readonly codec: AudioCodec,
    @InjectConfig() private readonly config: VoiceConfig,
  ) {}

  get openSessions(): number {
    return this.sessions.size;
  }

  async open(
    request: ParsedRequestOf<typeof VoiceContract.openSession>,
    caller: CallerContext & { userId: string },
  ): Promise<OpenVoiceSessionResponse> {
    const { voiceSessionId: id, start } = request;
    if (this.sessions.has(id))
      throw new DomainError(ErrorCode.Conflict, 'A voice session with that id is open');
    if (start.mode === 'realtime') return this.openRealtime(id, start, caller);
    const { outputFormat } = start;
    if (outputFormat !== 'pcm16') {
      const codec = await this.codec.availability();
      if (!codec.available)
        throw new DomainError(
          ErrorCode.ServiceUnavailable,
          `outputFormat "${outputFormat}" cannot be encoded here (${codec.reason}); use pcm16`,
        );
    }
    // Someone else's chat session is NOT_FOUND before anything else is looked at.
    const continued = await this.continued(caller, start);
    const stt = await this.engine(() => this.recognisers.get(start.stt));
    const tts = await this.engine(() => this.synthesisers.get(start.tts));
    const { sessionId: chatSessionId } = continued ?? (await this.chat.newConversation(caller, start));
    const echoSuppression = this.config.VOICE_ECHO_SUPPRESSION === 'on';
    const [vad, inputResampler, recognitionResampler, echoReference] = await Promise.all([
      WebRtcVad.create(this.config.VOICE_VAD_MODE as VadMode, this.config.VOICE_VAD_MIN_LEVEL_DBFS),
      PcmResampler.open(start.sampleRate, VAD_SAMPLE_RATE),
      PcmResampler.open(VAD_SAMPLE_RATE, stt.sampleRate),
      echoSuppression ? PcmResampler.open(start.sampleRate, VAD_SAMPLE_RATE) : null,
    ]);
    const session = new VoiceSession({
      id,
      caller,
      start,
      chatSessionId,
      stt,
      tts,
      vad,
      inputResampler,
      recognitionResampler,
      chat: this.chat,
      metering: this.metering,
      output: this.outputOf(id),
      ...(echoReference
        ? {
            echo: {
              detector: new EchoDetector({
                maxDelayMs: this.config.VOICE_ECHO_MAX_DELAY_MS,
                tailMs: this.config.VOICE_ECHO_TAIL_MS,
                minCorrelation: this.config.VOICE_ECHO_MIN_CORRELATION,
                leadMs: this.config.VOICE_OUTPUT_LEAD_MS,
              }),
              reference: echoReference,
              readBack: new ReadBackFilter(),
            },
          }
        : {}),
      ...(outputFormat !== 'pcm16'
        ? { outputEncoder: (sink) => this.codec.openLiveEncoder(outputFormat, start.sampleRate, sink) }
        : {}),
      limits: this.limits(),
    });
    this.adopt(session, caller.userId);
    return {
      voiceSessionId: id,
      sessionId: chatSessionId,
      mode: 'pipeline',
      stt: stt.id,
      tts: tts.id,
      outputFormat: start.outputFormat,
      outputSampleRate: start.sampleRate,
    };
  }

  /**
   * A session answered by a realtime model: the model is resolved (VALIDATION_FAILED for a provider
   * this service lacks, UNKNOWN_MODEL for a model it does not know, SERVICE_UNAVAILABLE without its key)
   * and connected before the session is ready, so a provider refusing it is the answer to `start`.
   */
  private async openRealtime(
    id: string,
    start: VoiceStart,
    caller: CallerContext & { userId: string },
  ): Promise<OpenVoiceSessionResponse> {
    if (start.outputFormat !== 'pcm16')
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `realtime sessions speak pcm16 only (outputFormat "${start.outputFormat}" was asked)`,
      );
    const continued = await this.continued(caller, start);
    const model = this.realtime.resolve(start.model);
    const availability = await model.engine.availability();
    if (!availability.available)
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        `${model.id} cannot run here: ${availability.reason}`,
      );
    // The chat session keeps the conversation; its own model stays chat's (it answers typed turns).
    const conversation =
      continued ??
      (await this.chat.newConversation(caller, { systemPrompt: start.systemPrompt, agentId: start.agentId }));
    const chatSessionId = conversation.sessionId;
    // A conversation linked to an agent gives the model the agent's tools (and instructions).
    const tools = conversation.agentId ? await this.agentTools.forAgent(caller, conversation.agentId) : null;
    const [inputResampler, outputResampler] = await Promise.all([
      PcmResampler.open(start.sampleRate, model.engine.inputSampleRate),
      PcmResampler.open(model.engine.outputSampleRate, start.sampleRate),
    ]);
    let session: RealtimeVoiceSession;
    try {
      session = await RealtimeVoiceSession.open({
        id,
        caller,
        start,
        chatSessionId,
        history: conversation.history,
        model,
        inputResampler,
        outputResampler,
        chat: this.chat,
        tools,
        metering: this.metering,
        output: this.outputOf(id),
        limits: this.limits(),
      });
    } catch (error) {
      throw engineErrorToDomain(error);
    }
    this.adopt(session, caller.userId);
    return {
      voiceSessionId: id,
      sessionId: chatSessionId,
      mode: 'realtime',
      stt: model.id,
      tts: model.id,
      outputFormat: 'pcm16',
      outputSampleRate: start.sampleRate,
    };
  }

  /** The caller's chat session `start` continues (NOT_FOUND for anyone else's), or null for a new one. */
  private async continued(
    caller: CallerContext & { userId: string },
    start: VoiceStart,
  ): Promise<Conversation | null> {
    if (!start.sessionId) return null;
    if (start.agentId)
      throw new DomainError(
        ErrorCode.ValidationFailed,
        'agentId links a new conversation; a continued session (sessionId) keeps its own link',
      );
    return this.chat.continueConversation(caller, start.sessionId);
  }

  private adopt(session: LiveVoiceSession, userId: string): void {
    const input = this.listen(session, userId);
    this.sessions.set(session.id, session);
    session.onEnded(() => {
      input.close();
      this.sessions.delete(session.id);
    });
  }

  private limits(): VoiceSessionLimits {
    return {
      maxSessionMs: this.config.VOICE_MAX_SESSION_MS,
      noSpeechTimeoutMs: this.config.VOICE_NO_SPEECH_TIMEOUT_MS,
      maxFrameBytes: this.config.VOICE_MAX_FRAME_BYTES,
      minSpeechMs: this.config.VOICE_MIN_SPEECH_MS,
      outputLeadMs: this.config.VOICE_OUTPUT_LEAD_MS,
    };
  }

  /** Sessions end with an error the client can act on (reconnect); what was played stays stored. */
  beforeApplicationShutdown(): void {
    for (const session of this.sessions.values()) {
      session.fail(ErrorCode.ServiceUnavailable, 'The voice service is restarting: start a new session');
    }
  }

  private listen(session: LiveVoiceSession, userId: string): ChannelReader {
    return new ChannelReader(this.bus, VoiceSessionChannel, session.id, 'in', {
      message: ({ kind, data, envelope }) => {
        // Only the gateway, on behalf of the session's user, writes here; anything else is dropped.
        if (envelope.userId !== userId) {
          this.logger.warn(`voice session ${session.id}: dropped a message from another user`);
          return;
        }
        if (kind === 'audio') return session.handleAudio(data);
        if (kind === 'heartbeat') return session.heard();
        if (kind !== 'control') return;
        const control = VoiceSessionControlSchema.safeParse(safeJson(data));
        if (control.success) session.handleControl(control.data);
        else session.fail(ErrorCode.ValidationFailed, 'Unreadable control message');
      },
      fault: (fault) =>
        session.fail(
          ErrorCode.StreamLost,
          fault === 'out-of-order'
            ? 'Audio from the client was lost or reordered'
            : 'Malformed session message',
        ),
    });
  }

  private outputOf(id: string): VoiceSessionOutput {
    const writer = new ChannelWriter(this.bus, VoiceSessionChannel, id, 'out');
    return {
      event: (event) => writer.send('event', encodeJson(event)),
      audio: (frame) => writer.send('audio', frame),
      heartbeat: () => writer.send('heartbeat', new Uint8Array(0)),
      get lastSentAt() {
        return writer.lastSentAt;
      },
    };
  }

  /** The engine `start` chose (or the default), if it can run here. */
  private async engine<
    E extends { id: string; availability(): Promise<{ available: boolean; reason?: string }> },
  >(pick: () => E): Promise<E> {
    let engine: E;
    try {
      engine = pick();
    } catch (error) {
      if (error instanceof UnknownEngineError)
        throw new DomainError(ErrorCode.ValidationFailed, error.message);
      throw error;
    }
    const availability = await engine.availability();
    if (!availability.available) {
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        `${engine.id} cannot run here: ${availability.reason ?? 'unavailable'}`,
      );
    }
    return engine;
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
}
