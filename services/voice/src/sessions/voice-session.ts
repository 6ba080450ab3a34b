import { Logger } from '@nestjs/common';
import { ListeningClock } from '@conduit/bus';
import {
  ErrorCode,
  VOICE_HEARTBEAT_TIMEOUT_MS,
  type CallerContext,
  type VoiceServerEvent,
  type VoiceSessionControl,
  type VoiceStart,
  type VoiceTurnMetrics,
} from '@conduit/contracts';
import { InputClock } from '../audio/input-clock';
import type { LiveEncoder, LiveEncoderSink } from '../audio/live-encoder';
import type { PcmResampler } from '../audio/pcm-resampler';
import type { EchoDetector } from '../echo/echo-detector';
import type { ReadBackFilter } from '../echo/read-back-filter';
import type { MeteredUse, VoiceMetering } from '../metering/voice-metering';
import type { ChatReplies, ChatReply } from '../replies/chat-replies';
import { ReplyPlayback } from '../replies/reply-playback';
import type { LiveRecognition, SpeechToTextEngine } from '../stt/speech-to-text.port';
import type { TextToSpeechEngine } from '../tts/text-to-speech.port';
import { FrameSlicer } from '../turns/frame-slicer';
import { PreRoll } from '../turns/pre-roll';
import { SentenceSplitter } from '../turns/sentence-splitter';
import { toolCallEvent, toolResultEvent } from '../tools/tool-events';
import { TurnDetector } from '../turns/turn-detector';
import { VAD_FRAME_MS, VAD_SAMPLE_RATE, type VoiceActivityDetector } from '../vad/voice-activity-detector';
import { nonFatalErrorEvent } from './engine-errors';
import { audioFrameFault, meteredCallerOf } from './live-voice-session';

/** How often the session's limits and liveness are checked. */
const WATCH_INTERVAL_MS = 250;
/** Audio kept from before a turn is confirmed, besides the minimum speech itself. */
const PRE_ROLL_MS = 300;

export interface VoiceSessionLimits {
  readonly maxSessionMs: number;
  readonly noSpeechTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly minSpeechMs: number;
  readonly outputLeadMs: number;
}

export interface VoiceSessionOutput {
  event(event: VoiceServerEvent): void;
  audio(frame: Buffer): void;
  heartbeat(): void;
  /** When the last message went out. */
  readonly lastSentAt: number;
}

export interface VoiceSessionSetup {
  readonly id: string;
  readonly caller: CallerContext & { userId: string };
  readonly start: VoiceStart;
  readonly chatSessionId: string;
  readonly stt: SpeechToTextEngine;
  readonly tts: TextToSpeechEngine;
  readonly vad: VoiceActivityDetector;
  /** The client's rate to the VAD's; the VAD's to the recogniser's. */
  readonly inputResampler: PcmResampler;
  readonly recognitionResampler: PcmResampler;
  readonly chat: ChatReplies;
  readonly metering: VoiceMetering;
  readonly output: VoiceSessionOutput;
  readonly limits: VoiceSessionLimits;
  /**
   * Echo suppression (absent when turned off): the reply audio sent, brought to the VAD's rate by
   * `reference`, is looked for in the input; input that is mostly its echo is not the user speaking, and
   * transcripts that read the reply back are dropped while it plays and just after.
   */
  readonly echo?: {
    readonly detector: EchoDetector;
    readonly reference: PcmResampler;
    readonly readBack: ReadBackFilter;
  };
  /** Opens each reply's encoder when `start` asked for compressed audio (opus, mp3). */
  readonly outputEncoder?: (sink: LiveEncoderSink) => LiveEncoder;
  readonly now?: () => number;
}

/** How a session ends: the client stopped it, or an error the client is told about. */
type Ending = { type: 'done' } | { type: 'error'; code: string; message: string };

interface UserTurn {
  readonly id: string;
  readonly recognition: LiveRecognition;
  readonly abort: AbortController;
  readonly metered: Promise<MeteredUse | null>;
  /**
   * The reply's admission, asked for while the user still speaks so that it is settled by the end of
   * the turn (it is not on the path to the first audio); null once handed to the reply or released.
   */
  speaking: Promise<MeteredUse> | null;
  bytes16k: number;
  firstPartialAt: number | null;
  vadEndMs: number | null;
  speechEndAt: number | null;
  readonly finals: string[];
}

/** When each step of a turn happened (wall clock), for its `turn.metrics`. */
interface TurnTimes {
  /** End of the user's speech (or when a typed turn arrived): what the others are measured from. */
  readonly reference: number;
  readonly vadEndMs: number | null;
  readonly firstPartialAt: number | null;
  readonly finalAt: number;
}

interface ReplyTurn {
  readonly id: string;
  readonly times: TurnTimes;
  readonly playback: ReplyPlayback;
  reply: ChatReply | null;
  metered: MeteredUse | null;
  llmFirstTokenAt: number | null;
  audioStarted: boolean;
  streamEnded: boolean;
  /** Set once the reply stopped, by finishing or by barge-in; `playedText` then is what the user heard. */
  outcome: { interrupted: boolean; playedText: string } | null;
}

/**
 * One live voice conversation, on the replica that accepted it: the client's audio goes through the
 * VAD into turns; each turn's speech is recognised while it is spoken, and once the user stops, the
 * transcript goes to chat; the reply is spoken piece by piece as it streams, and the user speaking
 * (or `interrupt`) cuts it at once, keeping as the stored answer only what was played.
 */
export class VoiceSession {
  private readonly logger = new Logger(VoiceSession.name);
  private readonly now: () => number;
  /** The watchdog's time: the client is not blamed for this process's own stalls. */
  private readonly listeningClock: ListeningClock;
  private readonly detector: TurnDetector;
  private readonly inputClock = new InputClock();
  private readonly slicer = new FrameSlicer((VAD_SAMPLE_RATE * VAD_FRAME_MS * 2) / 1000, VAD_FRAME_MS);
  private readonly preRoll: PreRoll;
  private readonly startedAt: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private turnCount = 0;
  private listening: UserTurn | null = null;
  private replying: ReplyTurn | null = null;
  private lastVoicedAt = 0;
  /** Listening time (see `listeningClock`) of the last turn activity, for the no-speech limit. */
  private lastActivityAt: number;
  /** Listening time of the last message from the gateway, for its heartbeat watch. */
  private lastInputAt: number;
  private ended = false;
  private readonly endListeners: Array<() => void> = [];

  constructor(private readonly setup: VoiceSessionSetup) {
    this.now = setup.now ?? Date.now;
    this.startedAt = this.now();
    this.listeningClock = new ListeningClock(WATCH_INTERVAL_MS, { now: this.now });
    this.lastActivityAt = this.listeningClock.now();
    this.lastInputAt = this.lastActivityAt;
    this.detector = new TurnDetector({
      minSpeechMs: setup.limits.minSpeechMs,
      endOfTurnSilenceMs: setup.start.endOfTurnSilenceMs,
    });
    this.preRoll = new PreRoll(Math.ceil((PRE_ROLL_MS + setup.limits.minSpeechMs) / VAD_FRAME_MS));
    const maxLength = setup.limits.maxSessionMs;
    this.timers.push(
      setTimeout(
        () =>
          this.fail(
            ErrorCode.Timeout,
            `The voice session reached its maximum length of ${Math.round(maxLength / 1000)} s`,
          ),
        maxLength,
      ),
      setInterval(() => this.watch(), WATCH_INTERVAL_MS),
    );
    this.listeningClock.start();
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

  /** The client's audio: pcm16 mono at its rate, in frames of any size up to the limit. */
  handleAudio(data: Uint8Array): void {
    if (this.ended) return;
    this.lastInputAt = this.listeningClock.now();
    const fault = audioFrameFault(data, this.setup.limits.maxFrameBytes);
    if (fault) return this.fail(fault.code, fault.message);
    const arrivedAt = this.now();
    const pcm = this.setup.inputResampler.process(Buffer.from(data.buffer, data.byteOffset, data.length));
    const frames = this.slicer.push(pcm);
    if (frames.length === 0) return;
    // Each frame is dated when it was recorded, on the input's own clock: a late, bunched chunk's audio
    // is not taken as played (or echoed) at its arrival.
    const offset = this.inputClock.arrived(arrivedAt, frames.at(-1)!.endMs);
    for (const { frame, startMs, endMs } of frames) this.handleFrame(frame, startMs, endMs, endMs + offset);
  }

  handleControl(control: VoiceSessionControl): void {
    if (this.ended) return;
    this.lastInputAt = this.listeningClock.now();
    switch (control.type) {
      case 'interrupt':
        if (this.replying) this.cutReply(this.replying);
        return;
      case 'stop':
        return this.end({ type: 'done' });
      case 'say': {
        const id = this.nextTurnId();
        if (this.replying) this.cutReply(this.replying);
        const at = this.now();
        this.lastActivityAt = this.listeningClock.now();
        this.emit({ type: 'transcript.final', turnId: id, text: control.text });
        void this.reply(
          id,
          control.text,
          { reference: at, vadEndMs: null, firstPartialAt: null, finalAt: at },
          this.speakingAdmission(id),
        );
        return;
      }
    }
  }

  /** The gateway is alive (its heartbeat). */
  heard(): void {
    this.lastInputAt = this.listeningClock.now();
  }

  fail(code: string, message: string): void {
    this.end({ type: 'error', code, message });
  }

  /** Ends the session: a reply being played is cut as on barge-in, the client gets `done` or the error. */
  end(ending: Ending): void {
    if (this.ended) return;
    if (this.replying) this.cutReply(this.replying);
    if (this.listening) {
      this.listening.abort.abort();
      releaseSpeaking(this.listening);
    }
    this.listening = null;
    this.emit(ending.type === 'done' ? ending : { ...ending, fatal: true });
    this.ended = true;
    for (const timer of this.timers) clearInterval(timer);
    this.setup.inputResampler.close();
    this.setup.recognitionResampler.close();
    this.setup.echo?.reference.close();
    this.setup.vad.close();
    for (const listener of this.endListeners) listener();
  }

  /** `recordedAt`: the wall time the frame's last sample was recorded at on the client. */
  private handleFrame(frame: Buffer, startMs: number, endMs: number, recordedAt: number): void {
    this.setup.echo?.detector.hear(frame);
    // The reply's own audio coming back from the client's speaker is not the user speaking.
    const voiced = this.setup.vad.isVoiced(frame) && !this.setup.echo?.detector.isEcho(recordedAt);
    if (voiced) this.lastVoicedAt = this.now();
    const change = this.detector.push(voiced, startMs, endMs);
    if (this.listening) this.hear(this.listening, frame);
    else this.preRoll.push(frame);
    if (change?.type === 'speech-started') this.beginTurn(change.atMs);
    else if (change?.type === 'speech-stopped') this.endTurn(change.atMs);
  }

  private beginTurn(atMs: number): void {
    this.lastActivityAt = this.listeningClock.now();
    // Barge-in: the user speaking over the reply stops it within this frame.
    if (this.replying) this.cutReply(this.replying);
    const abort = new AbortController();
    const id = this.nextTurnId();
    const turn: UserTurn = {
      id,
      abort,
      recognition: this.setup.stt.recognize({ language: this.setup.start.language, signal: abort.signal }),
      metered: this.setup.metering
        .listening(meteredCallerOf(this.setup.caller), this.setup.stt.id, `${this.setup.id}/${id}`)
        .catch((error: unknown) => {
          this.turnFailed(turn, error);
          return null;
        }),
      speaking: this.speakingAdmission(id),
      bytes16k: 0,
      firstPartialAt: null,
      vadEndMs: null,
      speechEndAt: null,
      finals: [],
    };
    this.listening = turn;
    for (const frame of this.preRoll.take()) this.hear(turn, frame);
    this.emit({ type: 'speech.started', turnId: id, atMs });
    void this.recognise(turn);
  }

  private hear(turn: UserTurn, frame: Buffer): void {
    turn.bytes16k += frame.length;
    const audio = this.setup.recognitionResampler.process(frame);
    if (audio.length > 0) turn.recognition.write(audio);
  }

  private endTurn(atMs: number): void {
    const turn = this.listening;
    if (!turn) return;
    this.listening = null;
    turn.vadEndMs = atMs;
    turn.speechEndAt = this.lastVoicedAt;
    this.emit({ type: 'speech.stopped', turnId: turn.id, atMs });
    turn.recognition.end();
  }

  private async recognise(turn: UserTurn): Promise<void> {
    try {
      for await (const update of turn.recognition.updates) {
        if (turn.abort.signal.aborted || this.ended) return;
        if (this.isReadBack(update.text)) continue;
        if (update.kind === 'partial') {
          turn.firstPartialAt ??= this.now();
          this.emit({ type: 'transcript.partial', turnId: turn.id, text: update.text });
        } else if (update.text.trim()) {
          turn.finals.push(update.text.trim());
        }
      }
    } catch (error) {
      return this.turnFailed(turn, error);
    }
    if (turn.abort.signal.aborted || this.ended) return releaseSpeaking(turn);
    const finalAt = this.now();
    const text = turn.finals.join(' ');
    const metered = await turn.metered;
    void metered?.record(turn.bytes16k / 2 / VAD_SAMPLE_RATE);
    if (turn.abort.signal.aborted || this.ended) return releaseSpeaking(turn);
    this.emit({ type: 'transcript.final', turnId: turn.id, text });
    const times: TurnTimes = {
      reference: turn.speechEndAt ?? finalAt,
      vadEndMs: turn.vadEndMs,
      firstPartialAt: turn.firstPartialAt,
      finalAt,
    };
    if (text.length === 0) {
      releaseSpeaking(turn);
      this.lastActivityAt = this.listeningClock.now();
      return this.emitMetrics(turn.id, times, null, false);
    }
    const speaking = turn.speaking ?? this.speakingAdmission(turn.id);
    turn.speaking = null;
    await this.reply(turn.id, text, times, speaking);
  }

  /** A transcript of the reply being (or just) played, heard back from the client's speaker. */
  private isReadBack(text: string): boolean {
    const echo = this.setup.echo;
    return !!echo && echo.detector.listensAt(this.now()) && echo.readBack.isReadBack(text);
  }

  /** A frame of reply audio going out: the echo reference, at the VAD's rate. */
  private replyPlayed(pcm: Buffer, playAt: number): void {
    const echo = this.setup.echo;
    if (echo) echo.detector.addReference(echo.reference.process(pcm), playAt);
  }

  private turnFailed(turn: UserTurn, error: unknown): void {
    releaseSpeaking(turn);
    if (turn.abort.signal.aborted || this.ended) return;
    turn.abort.abort();
    if (this.listening === turn) this.listening = null;
    this.emitError(error);
  }

  /** The admission of a reply's characters, against the caller's budgets. */
  private speakingAdmission(id: string): Promise<MeteredUse> {
    const admission = this.setup.metering.speaking(
      meteredCallerOf(this.setup.caller),
      this.setup.tts.id,
      `${this.setup.id}/${id}`,
    );
    admission.catch(() => undefined); // awaited by the reply, or released unused
    return admission;
  }

  /** Asks chat for the answer to `text` and speaks it as it streams. */
  private async reply(
    id: string,
    text: string,
    times: TurnTimes,
    speaking: Promise<MeteredUse>,
  ): Promise<void> {
    if (this.ended)
      return void speaking.then(
        (admission) => admission.release(),
        () => undefined,
      );
    const turn: ReplyTurn = {
      id,
      times,
      reply: null,
      metered: null,
      llmFirstTokenAt: null,
      audioStarted: false,
      streamEnded: false,
      outcome: null,
      playback: new ReplyPlayback(
        {
          tts: this.setup.tts,
          voice: this.setup.start.voice,
          language: this.setup.start.language,
          outputRate: this.setup.start.sampleRate,
          leadMs: this.setup.limits.outputLeadMs,
          now: this.now,
          ...(this.setup.outputEncoder ? { encoder: this.setup.outputEncoder } : {}),
        },
        {
          started: () => {
            turn.audioStarted = true;
            this.emit({
              type: 'audio.started',
              turnId: id,
              format: this.setup.start.outputFormat,
              sampleRate: this.setup.start.sampleRate,
            });
          },
          frame: (audio) => this.setup.output.audio(audio),
          played: (pcm, playAt) => this.replyPlayed(pcm, playAt),
          done: () => this.replyFinished(turn),
          failed: (error) => {
            this.emitError(error);
            this.replyFinished(turn);
          },
        },
      ),
    };
    this.replying = turn;
    try {
      turn.metered = await speaking;
      if (turn.outcome) return turn.metered.release();
      turn.reply = await this.setup.chat.startReply(
        this.setup.caller,
        this.setup.chatSessionId,
        text,
        this.setup.start.model,
      );
    } catch (error) {
      if (!turn.outcome) {
        this.emitError(error);
        turn.playback.cancel();
        this.replyFinished(turn);
      }
      return;
    }
    if (turn.outcome) void turn.reply.cancel();
    await this.relayAnswer(turn, turn.reply);
  }

  private async relayAnswer(turn: ReplyTurn, reply: ChatReply): Promise<void> {
    const splitter = new SentenceSplitter();
    try {
      for await (const event of reply.events) {
        if (turn.outcome) continue; // cut: read on to the stream's end, when chat has stored the answer
        switch (event.type) {
          case 'delta':
            turn.llmFirstTokenAt ??= this.now();
            this.emit({ type: 'response.delta', turnId: turn.id, text: event.text });
            this.setup.echo?.readBack.speaking(event.text);
            for (const piece of splitter.push(event.text)) turn.playback.speak(piece);
            break;
          case 'tool.call':
            this.emit(toolCallEvent(turn.id, event));
            break;
          case 'tool.result':
            this.emit(toolResultEvent(turn.id, event));
            break;
          case 'usage':
          case 'step.started':
          case 'step.finished':
            break; // only the answer's text is spoken
          case 'done':
          case 'error':
            turn.playback.speak(splitter.flush());
            if (event.type === 'error') this.emitError(event.error);
            turn.playback.end();
            break;
        }
      }
    } catch (error) {
      if (!turn.outcome) {
        this.emitError(error);
        turn.playback.end();
      }
    }
    turn.streamEnded = true;
    if (turn.outcome?.interrupted) await this.keepPlayed(turn, reply, turn.outcome.playedText);
  }

  /** Barge-in: no frame of this reply is sent after this; the stored answer becomes what was played. */
  private cutReply(turn: ReplyTurn): void {
    if (turn.outcome) return;
    const playedText = turn.playback.cancel();
    turn.outcome = { interrupted: true, playedText };
    if (this.replying === turn) this.replying = null;
    this.emit({ type: 'audio.cancelled', turnId: turn.id, playedText });
    this.settle(turn);
    if (turn.reply) {
      void turn.reply.cancel();
      if (turn.streamEnded) void this.keepPlayed(turn, turn.reply, playedText);
    }
  }

  private replyFinished(turn: ReplyTurn): void {
    if (turn.outcome) return;
    turn.outcome = { interrupted: false, playedText: '' };
    if (this.replying === turn) this.replying = null;
    if (turn.audioStarted) this.emit({ type: 'audio.done', turnId: turn.id });
    this.lastActivityAt = this.listeningClock.now();
    this.settle(turn);
  }

  private settle(turn: ReplyTurn): void {
    void turn.metered?.record(turn.playback.synthesizedChars);
    this.emitMetrics(turn.id, turn.times, turn, turn.outcome?.interrupted ?? false);
  }

  private async keepPlayed(turn: ReplyTurn, reply: ChatReply, playedText: string): Promise<void> {
    try {
      await reply.keepOnly(playedText);
    } catch (error) {
      this.logger.warn(
        `voice session ${this.setup.id}: the cut answer of ${turn.id} was not stored: ${String(error)}`,
      );
    }
  }

  private emitMetrics(turnId: string, times: TurnTimes, reply: ReplyTurn | null, interrupted: boolean): void {
    const since = (at: number | null | undefined) => (at == null ? null : Math.round(at - times.reference));
    const metrics: VoiceTurnMetrics = {
      turnId,
      vadEndOfSpeechMs: times.vadEndMs,
      firstPartialMs: since(times.firstPartialAt),
      finalTranscriptMs: since(times.finalAt),
      llmFirstTokenMs: since(reply?.llmFirstTokenAt),
      ttsFirstByteMs: since(reply?.playback.firstSynthesizedAt),
      endOfSpeechToFirstAudioMs: since(reply?.playback.firstFrameAt),
      interrupted,
    };
    this.emit({ type: 'turn.metrics', metrics });
  }

  /** Limits and liveness, checked a few times a second. */
  private watch(): void {
    if (this.ended) return;
    const now = this.listeningClock.tick();
    if (now - this.lastInputAt > VOICE_HEARTBEAT_TIMEOUT_MS) {
      this.logger.warn(`voice session ${this.setup.id}: its gateway went silent; ending it`);
      return this.fail(ErrorCode.StreamLost, 'The connection to the client was lost');
    }
    const idle = !this.listening && !this.replying && !this.detector.inSpeech;
    if (idle && now - this.lastActivityAt > this.setup.limits.noSpeechTimeoutMs) {
      return this.fail(
        ErrorCode.Timeout,
        `No speech was heard for ${Math.round(this.setup.limits.noSpeechTimeoutMs / 1000)} s`,
      );
    }
    if (this.now() - this.setup.output.lastSentAt >= 1_000) this.setup.output.heartbeat();
  }

  private emitError(error: unknown): void {
    this.emit(nonFatalErrorEvent(error, this.setup.id, this.logger));
  }

  private emit(event: VoiceServerEvent): void {
    if (!this.ended) this.setup.output.event(event);
  }

  private nextTurnId(): string {
    this.turnCount += 1;
    return `turn-${this.turnCount}`;
  }
}

/** Releases a turn's reply admission that will not be used (no reply, or the turn was dropped). */
function releaseSpeaking(turn: UserTurn): void {
  const speaking = turn.speaking;
  turn.speaking = null;
  void speaking?.then(
    (admission) => admission.release(),
    () => undefined,
  );
}
