import { Logger } from '@nestjs/common';
import {
  ErrorCode,
  parsedToolArguments,
  type CallerContext,
  type VoiceServerEvent,
  type VoiceSessionControl,
  type VoiceStart,
  type VoiceTurnMetrics,
} from '@conduit/contracts';
import type { PcmResampler } from '../audio/pcm-resampler';
import type { RealtimeAdmission, VoiceMetering } from '../metering/voice-metering';
import type { RealtimeModelChoice } from '../realtime/realtime-registry';
import { RealtimePlayback } from '../realtime/realtime-playback';
import type {
  RealtimeConnection,
  RealtimeEvent,
  RealtimeHistoryMessage,
  RealtimeUsage,
} from '../realtime/realtime-voice.port';
import type { ChatReplies } from '../replies/chat-replies';
import type { AgentToolbox } from '../tools/agent-tools';
import { toolCallEvent, toolResultEvent } from '../tools/tool-events';
import { nonFatalErrorEvent } from './engine-errors';
import { audioFrameFault, meteredCallerOf, type LiveVoiceSession } from './live-voice-session';
import { SessionWatch } from './session-watch';
import type { VoiceSessionLimits, VoiceSessionOutput } from './voice-session';

/** After a failed reconnection, the next attempt waits this long (audio meanwhile is dropped). */
const RECONNECT_BACKOFF_MS = 2_000;
/** Audio kept while a connection is reopened, passed on once it is (the user's words are not lost). */
const MAX_PENDING_AUDIO_MS = 5_000;

export interface RealtimeSessionSetup {
  readonly id: string;
  readonly caller: CallerContext & { userId: string };
  readonly start: VoiceStart;
  readonly chatSessionId: string;
  /** The continued chat session's recent history, given to the model each time it connects. */
  readonly history: readonly RealtimeHistoryMessage[];
  readonly model: RealtimeModelChoice;
  /** The client's rate to the engine's input rate, and the engine's output rate to the client's. */
  readonly inputResampler: PcmResampler;
  readonly outputResampler: PcmResampler;
  readonly chat: ChatReplies;
  /** The tools of the agent the chat session is linked to; null for a plain conversation. */
  readonly tools: AgentToolbox | null;
  readonly metering: VoiceMetering;
  readonly output: VoiceSessionOutput;
  readonly limits: VoiceSessionLimits;
  readonly now?: () => number;
}

/**
 * The model's answer to a turn: one provider response, or several when it calls tools (the response
 * that calls them, then the one that reads their results), played and stored as one answer.
 */
interface RealtimeReply {
  /** The provider's response being generated (the last one). */
  responseId: string;
  /** Whether that response has not ended yet. */
  responseOpen: boolean;
  /** Tool calls that response made: when it ends, the answer goes on in the next response. */
  toolCalls: number;
  /** A response with tool calls ended; the next response continues this answer. */
  awaitingFollowUp: boolean;
  readonly playback: RealtimePlayback;
  /** The metering of the response being generated. */
  admission: Promise<RealtimeAdmission | null>;
  firstTextAt: number | null;
  firstAudioAt: number | null;
  /** How it ended for the user: played in full, or cut (then `playedText` is what was heard). */
  outcome: { interrupted: boolean; text: string } | null;
  /** Of all its responses so far. */
  usage: RealtimeUsage | null;
  costUsd: number | null;
  failed: boolean;
}

/** One user turn and the model's answer to it. */
interface RealtimeTurn {
  readonly id: string;
  readonly startedAt: number;
  /** The final transcript of the user's speech (or the typed text); null until the provider gives it. */
  userText: string | null;
  speechEndAt: number | null;
  vadEndMs: number | null;
  firstPartialAt: number | null;
  finalAt: number | null;
  reply: RealtimeReply | null;
  stored: boolean;
}

/**
 * A live conversation with a realtime (speech-to-speech) model: the client's audio streams to the
 * provider, whose server VAD takes the turns; its events become the same `/ws/voice` events the
 * pipeline sends (speech start and stop, transcripts, response deltas, paced audio, metrics). The user
 * speaking over an answer (the provider's `speech_started`, or `interrupt`) cuts it at once: the
 * provider's response is cancelled, its item truncated to what was played, and the played part is what
 * the chat session stores. A connection the provider drops is reported (not fatal) and reopened on the
 * next audio.
 */
export class RealtimeVoiceSession implements LiveVoiceSession {
  private readonly logger = new Logger(RealtimeVoiceSession.name);
  private readonly now: () => number;
  private readonly watch: SessionWatch;
  private connection: RealtimeConnection | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectAfter = 0;
  /** The user's audio (at the engine's rate) that came while the connection was being reopened. */
  private pendingAudio: Buffer[] = [];
  private pendingBytes = 0;
  private turnCount = 0;
  /** Turns in order; the last is the one speech and answers attach to. */
  private readonly turns: RealtimeTurn[] = [];
  private replying: RealtimeTurn | null = null;
  private ended = false;
  private readonly endListeners: Array<() => void> = [];

  private constructor(private readonly setup: RealtimeSessionSetup) {
    this.now = setup.now ?? Date.now;
    this.watch = new SessionWatch({
      sessionId: setup.id,
      maxSessionMs: setup.limits.maxSessionMs,
      noSpeechTimeoutMs: setup.limits.noSpeechTimeoutMs,
      busy: () => this.replying !== null || this.turns.some((turn) => turn.speechEndAt === null),
      lastSentAt: () => setup.output.lastSentAt,
      heartbeat: () => setup.output.heartbeat(),
      fail: (code, message) => this.fail(code, message),
      now: this.now,
    });
  }

  /** Connects to the model first: a provider that refuses the session rejects this with its error. */
  static async open(setup: RealtimeSessionSetup): Promise<RealtimeVoiceSession> {
    const session = new RealtimeVoiceSession(setup);
    try {
      session.connection = await session.connect();
    } catch (error) {
      session.release();
      throw error;
    }
    return session;
  }

  get id(): string {
    return this.setup.id;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  onEnded(listener: () => void): void {
    this.endListeners.push(listener);
  }

  handleAudio(data: Uint8Array): void {
    if (this.ended) return;
    this.watch.heardInput();
    const fault = audioFrameFault(data, this.setup.limits.maxFrameBytes);
    if (fault) return this.fail(fault.code, fault.message);
    const pcm = this.setup.inputResampler.process(Buffer.from(data.buffer, data.byteOffset, data.length));
    if (this.connection) {
      if (pcm.length > 0) this.connection.sendAudio(pcm);
      return;
    }
    this.reconnect();
    if (this.connecting && pcm.length > 0) this.keepPending(pcm);
  }

  handleControl(control: VoiceSessionControl): void {
    if (this.ended) return;
    this.watch.heardInput();
    switch (control.type) {
      case 'interrupt':
        if (this.replying) this.cutReply(this.replying);
        return;
      case 'stop':
        return this.end({ type: 'done' });
      case 'say': {
        if (this.replying) this.cutReply(this.replying);
        const turn = this.newTurn();
        turn.userText = control.text;
        turn.speechEndAt = turn.finalAt = this.now();
        this.emit({ type: 'transcript.final', turnId: turn.id, text: control.text });
        if (this.connection) this.connection.sendText(control.text);
        else this.emitError(unavailable('The realtime model is not connected; speak again in a moment'));
        return;
      }
    }
  }

  heard(): void {
    this.watch.heardInput();
  }

  fail(code: string, message: string): void {
    this.end({ type: 'error', code, message });
  }

  private end(ending: { type: 'done' } | { type: 'error'; code: string; message: string }): void {
    if (this.ended) return;
    if (this.replying) this.cutReply(this.replying);
    // Turns whose transcript never came are stored with what is known.
    for (const turn of this.turns) if (turn.reply?.outcome) void this.store(turn, true);
    this.emit(ending.type === 'done' ? ending : { ...ending, fatal: true });
    this.ended = true;
    this.connection?.close();
    this.connection = null;
    this.release();
    for (const listener of this.endListeners) listener();
  }

  private release(): void {
    this.watch.stop();
    this.setup.inputResampler.close();
    this.setup.outputResampler.close();
  }

  private connect(): Promise<RealtimeConnection> {
    const { model, start, tools } = this.setup;
    const instructions = start.systemPrompt ?? tools?.instructions;
    return model.engine.connect(
      {
        model: model.model,
        language: start.language,
        ...(instructions ? { instructions } : {}),
        ...(start.voice ? { voice: start.voice } : {}),
        ...(tools?.specs.length ? { tools: tools.specs } : {}),
        ...(this.setup.history.length ? { history: this.setup.history } : {}),
      },
      (event) => this.onEvent(event),
    );
  }

  /** Reopens a connection the provider dropped, at most once per backoff. */
  private reconnect(): void {
    if (this.connecting || this.now() < this.reconnectAfter) return;
    this.connecting = this.connect().then(
      (connection) => {
        this.connecting = null;
        if (this.ended) return connection.close();
        this.connection = connection;
        for (const pcm of this.pendingAudio) connection.sendAudio(pcm);
        this.dropPending();
      },
      (error: unknown) => {
        this.connecting = null;
        this.dropPending();
        this.reconnectAfter = this.now() + RECONNECT_BACKOFF_MS;
        this.emitError(error);
      },
    );
  }

  private keepPending(pcm: Buffer): void {
    const maxBytes = (this.setup.model.engine.inputSampleRate * 2 * MAX_PENDING_AUDIO_MS) / 1000;
    this.pendingAudio.push(pcm);
    this.pendingBytes += pcm.length;
    while (this.pendingBytes > maxBytes) this.pendingBytes -= this.pendingAudio.shift()?.length ?? 0;
  }

  private dropPending(): void {
    this.pendingAudio = [];
    this.pendingBytes = 0;
  }

  private onEvent(event: RealtimeEvent): void {
    if (this.ended) return;
    switch (event.type) {
      case 'speech.started': {
        this.watch.activity();
        // Barge-in: the user speaking over the answer stops it at once.
        if (this.replying) this.cutReply(this.replying);
        const turn = this.newTurn();
        this.emit({ type: 'speech.started', turnId: turn.id, atMs: event.audioMs });
        return;
      }
      case 'speech.stopped': {
        const turn = this.turns.at(-1);
        if (!turn || turn.speechEndAt !== null) return;
        turn.speechEndAt = this.now();
        turn.vadEndMs = event.audioMs;
        this.emit({ type: 'speech.stopped', turnId: turn.id, atMs: event.audioMs });
        return;
      }
      case 'input.transcript': {
        // Transcripts may come after the answer started: they belong to the oldest turn still without one.
        const turn = this.turns.find((t) => t.userText === null);
        if (!turn) return;
        if (event.kind === 'partial') {
          turn.firstPartialAt ??= this.now();
          this.emit({ type: 'transcript.partial', turnId: turn.id, text: event.text });
          return;
        }
        turn.userText = event.text.trim();
        turn.finalAt = this.now();
        this.emit({ type: 'transcript.final', turnId: turn.id, text: turn.userText });
        if (turn.reply?.outcome) void this.store(turn);
        return;
      }
      case 'response.started':
        return this.beginReply(event.responseId);
      case 'response.audio': {
        const turn = this.replying;
        if (!turn?.reply) return;
        turn.reply.firstAudioAt ??= this.now();
        turn.reply.playback.itemId ??= event.itemId;
        turn.reply.playback.audio(this.setup.outputResampler.process(event.pcm));
        return;
      }
      case 'response.text': {
        const turn = this.replying;
        if (!turn?.reply) return;
        turn.reply.firstTextAt ??= this.now();
        turn.reply.playback.transcript(event.text);
        this.emit({ type: 'response.delta', turnId: turn.id, text: event.text });
        return;
      }
      case 'response.done':
        return this.responseDone(event.responseId, event.status, event.usage);
      case 'tool.call':
        return void this.callTool(event);
      case 'error':
        return this.emitError(event.error);
      case 'closed': {
        this.connection = null;
        this.emitError(event.error);
        const turn = this.replying;
        if (turn?.reply) {
          turn.reply.failed = true;
          this.cutReply(turn);
        }
        return;
      }
    }
  }

  private newTurn(): RealtimeTurn {
    this.turnCount += 1;
    const turn: RealtimeTurn = {
      id: `turn-${this.turnCount}`,
      startedAt: this.now(),
      userText: null,
      speechEndAt: null,
      vadEndMs: null,
      firstPartialAt: null,
      finalAt: null,
      reply: null,
      stored: false,
    };
    this.turns.push(turn);
    return turn;
  }

  private beginReply(responseId: string): void {
    const continued = this.replying?.reply;
    if (continued?.awaitingFollowUp && !continued.outcome) {
      // The answer goes on after its tool calls, in the provider's next response.
      continued.responseId = responseId;
      continued.responseOpen = true;
      continued.awaitingFollowUp = false;
      continued.admission = this.admitResponse(this.replying!, responseId);
      return;
    }
    if (this.replying) this.cutReply(this.replying);
    let turn = this.turns.at(-1);
    if (!turn || turn.reply) turn = this.newTurn();
    const reply: RealtimeReply = {
      responseId,
      responseOpen: true,
      toolCalls: 0,
      awaitingFollowUp: false,
      admission: this.admitResponse(turn, responseId),
      firstTextAt: null,
      firstAudioAt: null,
      outcome: null,
      usage: null,
      costUsd: null,
      failed: false,
      playback: new RealtimePlayback(
        { outputRate: this.setup.start.sampleRate, leadMs: this.setup.limits.outputLeadMs, now: this.now },
        {
          started: () =>
            this.emit({
              type: 'audio.started',
              turnId: turn.id,
              format: 'pcm16',
              sampleRate: this.setup.start.sampleRate,
            }),
          frame: (pcm) => {
            if (!this.ended) this.setup.output.audio(pcm);
          },
          done: () => this.replyFinished(turn),
        },
      ),
    };
    turn.reply = reply;
    this.replying = turn;
  }

  /** A response's admission against the caller's budgets; over budget, the answer is stopped before it is heard. */
  private admitResponse(turn: RealtimeTurn, responseId: string): Promise<RealtimeAdmission | null> {
    return this.setup.metering
      .conversing(meteredCallerOf(this.setup.caller), this.setup.model.prices, `${this.setup.id}/${turn.id}`)
      .catch((error: unknown) => {
        if (this.replying === turn) {
          this.connection?.cancelResponse(responseId);
          this.cutReply(turn);
        }
        this.emitError(error);
        return null;
      });
  }

  /**
   * The model calls a tool: `tool.call` to the client, the call run by the agents service, `tool.result`
   * to the client and the result to the model, which goes on answering. Whatever fails (no tools here,
   * an unknown tool, bad arguments, the agents service down or too slow) is a failed result the model
   * reads; the session goes on.
   */
  private async callTool(event: Extract<RealtimeEvent, { type: 'tool.call' }>): Promise<void> {
    const turn = this.replying ?? this.turns.at(-1) ?? this.newTurn();
    if (turn.reply?.responseOpen) turn.reply.toolCalls += 1;
    const call = { id: event.callId, name: event.name, arguments: event.arguments };
    this.emit(
      toolCallEvent(turn.id, {
        callId: call.id,
        name: call.name,
        arguments: parsedToolArguments(call.arguments),
      }),
    );
    const result = this.setup.tools
      ? await this.setup.tools.run(call, `${this.setup.id}/${turn.id}`)
      : {
          callId: call.id,
          name: call.name,
          ok: false,
          error: { code: 'unknown_tool', message: 'No tools are available.' },
          durationMs: 0,
        };
    if (this.ended) return;
    this.emit(toolResultEvent(turn.id, result));
    this.connection?.sendToolResult(result);
  }

  private responseDone(
    responseId: string,
    status: 'completed' | 'cancelled' | 'failed',
    usage: RealtimeUsage | null,
  ): void {
    const turn = [...this.turns]
      .reverse()
      .find((t) => t.reply?.responseOpen && (t.reply.responseId === responseId || !responseId));
    const reply = turn?.reply;
    if (!turn || !reply) return;
    reply.responseOpen = false;
    if (usage) {
      reply.usage = addUsage(reply.usage, usage);
      void reply.admission.then(async (admission) => {
        if (admission) reply.costUsd = (reply.costUsd ?? 0) + (await admission.record(usage, status));
      });
    } else void reply.admission.then((admission) => admission?.release());
    if (status === 'failed') reply.failed = true;
    if (reply.outcome) return;
    if (status === 'completed' && reply.toolCalls > 0) {
      // It called tools: the answer goes on in the response that reads their results.
      reply.toolCalls = 0;
      reply.awaitingFollowUp = true;
      return;
    }
    if (status === 'completed') reply.playback.end();
    else this.cutReply(turn);
  }

  /** Barge-in: no frame of the answer follows; the provider's item keeps only what was played. */
  private cutReply(turn: RealtimeTurn): void {
    const reply = turn.reply;
    if (!reply || reply.outcome) return;
    const { playedMs, playedText } = reply.playback.cancel();
    reply.outcome = { interrupted: true, text: playedText };
    if (this.replying === turn) this.replying = null;
    if (reply.responseOpen && !reply.failed) this.connection?.cancelResponse(reply.responseId);
    if (reply.playback.itemId) this.connection?.truncate(reply.playback.itemId, playedMs);
    this.emit({ type: 'audio.cancelled', turnId: turn.id, playedText });
    this.emitMetrics(turn, true);
    void this.store(turn);
  }

  private replyFinished(turn: RealtimeTurn): void {
    const reply = turn.reply;
    if (!reply || reply.outcome) return;
    reply.outcome = { interrupted: false, text: reply.playback.text };
    if (this.replying === turn) this.replying = null;
    if (reply.playback.firstFrameAt !== null) this.emit({ type: 'audio.done', turnId: turn.id });
    this.watch.activity();
    this.emitMetrics(turn, false);
    void this.store(turn);
  }

  /** The turn into the chat session, once both the user's words and the answer's end are known. */
  private async store(turn: RealtimeTurn, force = false): Promise<void> {
    const reply = turn.reply;
    if (turn.stored || !reply?.outcome || (turn.userText === null && !force)) return;
    turn.stored = true;
    const done = this.turns.filter((t) => t.stored && t !== this.turns.at(-1));
    for (const old of done) this.turns.splice(this.turns.indexOf(old), 1);
    const usage = reply.usage;
    try {
      await this.setup.chat.recordExchange(this.setup.caller, {
        sessionId: this.setup.chatSessionId,
        user: turn.userText ?? '',
        assistant: reply.outcome.text,
        status:
          reply.failed && !reply.outcome.text
            ? 'failed'
            : reply.outcome.interrupted
              ? 'cancelled'
              : 'complete',
        model: this.setup.model.id,
        usage: usage
          ? {
              inputTokens: usage.inputTextTokens + usage.inputAudioTokens,
              outputTokens: usage.outputTextTokens + usage.outputAudioTokens,
              cachedTokens: usage.cachedTokens,
              estimated: false,
            }
          : null,
        costUsd: reply.costUsd,
      });
    } catch (error) {
      this.logger.warn(`voice session ${this.setup.id}: ${turn.id} was not stored: ${String(error)}`);
    }
  }

  private emitMetrics(turn: RealtimeTurn, interrupted: boolean): void {
    const reference = turn.speechEndAt ?? turn.startedAt;
    const since = (at: number | null | undefined) => (at == null ? null : Math.round(at - reference));
    const metrics: VoiceTurnMetrics = {
      turnId: turn.id,
      vadEndOfSpeechMs: turn.vadEndMs,
      firstPartialMs: since(turn.firstPartialAt),
      finalTranscriptMs: since(turn.finalAt),
      llmFirstTokenMs: since(turn.reply?.firstTextAt),
      ttsFirstByteMs: since(turn.reply?.firstAudioAt),
      endOfSpeechToFirstAudioMs: since(turn.reply?.playback.firstFrameAt),
      interrupted,
    };
    this.emit({ type: 'turn.metrics', metrics });
  }

  private emitError(error: unknown): void {
    this.emit(nonFatalErrorEvent(error, this.setup.id, this.logger));
  }

  private emit(event: VoiceServerEvent): void {
    if (!this.ended) this.setup.output.event(event);
  }
}

function addUsage(total: RealtimeUsage | null, usage: RealtimeUsage): RealtimeUsage {
  if (!total) return usage;
  return {
    inputTextTokens: total.inputTextTokens + usage.inputTextTokens,
    inputAudioTokens: total.inputAudioTokens + usage.inputAudioTokens,
    cachedTokens: total.cachedTokens + usage.cachedTokens,
    outputTextTokens: total.outputTextTokens + usage.outputTextTokens,
    outputAudioTokens: total.outputAudioTokens + usage.outputAudioTokens,
  };
}

function unavailable(message: string) {
  return { code: ErrorCode.ProviderUnavailable, message };
}
