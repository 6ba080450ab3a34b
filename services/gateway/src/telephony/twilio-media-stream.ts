import { Logger } from '@nestjs/common';
import type WebSocket from 'ws';
import type { Bus } from '@conduit/bus';
import { PhoneStreamCloseCode, type VoiceServerEvent, type VoiceStart } from '@conduit/contracts';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { MAX_BUFFERED_BYTES_PER_CLIENT } from '../streaming/client-backpressure';
import { VoiceConnection } from '../voice/voice-connection';
import type { WsConnection } from '../ws/ws-connection';
import type { CallTokens, PhoneCall } from './call-tokens';
import { InProcessVoiceSocket } from './in-process-voice-socket';
import { MulawFramer, mulawToPcm16, PHONE_SAMPLE_RATE } from './mulaw-audio';
import {
  isPhoneAudio,
  TwilioStreamMessageSchema,
  type TwilioStreamReply,
  type TwilioStreamStart,
} from './twilio-stream-messages';

/** Messages Twilio may send while the token is looked up (`connected`, `start`, the first media). */
const MAX_MESSAGES_BEFORE_TOKEN = 100;

export interface TwilioMediaStreamDeps {
  readonly bus: Bus;
  readonly tokens: CallTokens;
  readonly maxFrameBytes: number;
}

type State =
  | { name: 'redeeming'; queued: Buffer[] }
  | { name: 'awaiting-start'; call: PhoneCall }
  | { name: 'live'; streamSid: string; voice: InProcessVoiceSocket; framer: MulawFramer }
  | { name: 'closed' };

/**
 * One Twilio media stream (`/ws/twilio/<call token>`): the call the one-time token names becomes a
 * voice conversation of the call's user, as a `/ws/voice` client would have (a {@link VoiceConnection}
 * over an {@link InProcessVoiceSocket}). The caller's μ-law audio goes in as 8 kHz PCM; reply audio
 * comes back as 20 ms μ-law `media` messages, each reply followed by a `mark`; a barge-in
 * (`audio.cancelled`) sends `clear`, so Twilio drops what it has not played. Unreadable messages,
 * media before `start` and a token that is unknown or for another call close the socket.
 */
export class TwilioMediaStream implements WsConnection {
  private readonly logger = new Logger(TwilioMediaStream.name);
  private state: State = { name: 'redeeming', queued: [] };
  caller: AuthenticatedCaller | null = null;
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    token: string,
    private readonly deps: TwilioMediaStreamDeps,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
    void this.redeem(token);
  }

  askToReconnect(): void {
    // A call cannot move to another replica: it ends with the gateway.
    this.end();
  }

  close(code: number, reason: string): void {
    this.end();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  private async redeem(token: string): Promise<void> {
    let call: PhoneCall | null;
    try {
      call = await this.deps.tokens.take(token);
    } catch (error) {
      this.logger.error(`reading a call token failed: ${String(error)}`);
      return this.close(1011, 'call token store unavailable');
    }
    const state = this.state;
    if (state.name !== 'redeeming') return;
    if (!call) return this.close(PhoneStreamCloseCode.UnknownCallToken, 'unknown or expired call token');
    this.caller = { userId: call.userId, apiKeyId: null, traceparent: null, tracestate: null };
    this.state = { name: 'awaiting-start', call };
    for (const message of state.queued) this.handle(message);
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return this.close(1003, 'media stream messages are JSON text');
    const text = Buffer.isBuffer(data)
      ? data
      : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    if (this.state.name === 'redeeming') {
      if (this.state.queued.length >= MAX_MESSAGES_BEFORE_TOKEN) return this.close(1008, 'too many messages');
      this.state.queued.push(text);
      return;
    }
    this.handle(text);
  }

  private handle(text: Buffer): void {
    if (this.state.name === 'closed') return;
    let raw: unknown;
    try {
      raw = JSON.parse(text.toString('utf8'));
    } catch {
      return this.close(1007, 'not a JSON message');
    }
    const parsed = TwilioStreamMessageSchema.safeParse(raw);
    if (!parsed.success) return this.close(1007, 'not a media stream message');
    const message = parsed.data;
    switch (message.event) {
      case 'start':
        return this.start(message as TwilioStreamStart);
      case 'media': {
        if (this.state.name !== 'live') return this.close(1008, 'media before start');
        const { track, payload } = (message as { media: { track?: string; payload: string } }).media;
        if (track !== undefined && track !== 'inbound') return;
        const pcm = mulawToPcm16(Buffer.from(payload, 'base64'));
        if (pcm.length > this.deps.maxFrameBytes) return this.close(1009, 'media payload too large');
        this.state.voice.sendAudio(pcm);
        return;
      }
      case 'stop':
        return this.close(1000, 'call ended');
      default:
        // `connected`, `mark` (Twilio played a reply to its end), `dtmf` and later additions.
        return;
    }
  }

  private start(message: TwilioStreamStart): void {
    if (this.state.name !== 'awaiting-start') return this.close(1008, 'the stream has started already');
    const { call } = this.state;
    if (message.start.callSid !== call.callSid) {
      return this.close(PhoneStreamCloseCode.WrongCall, 'the call token was made for another call');
    }
    if (!isPhoneAudio(message)) return this.close(1003, 'only 8 kHz mono μ-law audio is taken');
    const streamSid = message.start.streamSid;
    const framer = new MulawFramer();
    const voice = new InProcessVoiceSocket({
      event: (text) => this.onVoiceEvent(streamSid, framer, text),
      audio: (data) => {
        for (const frame of framer.push(data)) this.sendMedia(streamSid, frame);
      },
      closed: (_code, reason) => this.close(1000, reason),
    });
    this.state = { name: 'live', streamSid, voice, framer };
    new VoiceConnection(voice.asWebSocket(), this.caller as AuthenticatedCaller, {
      bus: this.deps.bus,
      maxFrameBytes: this.deps.maxFrameBytes,
    });
    voice.sendMessage(voiceStartFor(call));
  }

  private onVoiceEvent(streamSid: string, framer: MulawFramer, text: string): void {
    const event = JSON.parse(text) as VoiceServerEvent;
    switch (event.type) {
      case 'audio.started':
        framer.reset();
        return;
      case 'audio.done': {
        const rest = framer.flush();
        if (rest) this.sendMedia(streamSid, rest);
        return this.reply({ event: 'mark', streamSid, mark: { name: event.turnId } });
      }
      case 'audio.cancelled':
        framer.reset();
        return this.reply({ event: 'clear', streamSid });
      case 'error':
        if (!event.fatal) this.logger.warn(`phone call turn failed: ${event.code} ${event.message}`);
        return;
      default:
        return;
    }
  }

  private sendMedia(streamSid: string, frame: Buffer): void {
    this.reply({ event: 'media', streamSid, media: { payload: frame.toString('base64') } });
  }

  private reply(message: TwilioStreamReply): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES_PER_CLIENT) return this.close(1008, 'too slow');
    this.socket.send(JSON.stringify(message));
  }

  /** The call is over: its conversation stops (keeping what was played of a reply). */
  private end(): void {
    const state = this.state;
    this.state = { name: 'closed' };
    if (state.name === 'live') state.voice.end();
  }
}

/** The conversation a call gets: 8 kHz PCM both ways; a placed call is told why it was made. */
function voiceStartFor(call: PhoneCall): VoiceStart {
  const start: VoiceStart = {
    type: 'start',
    sampleRate: PHONE_SAMPLE_RATE,
    encoding: 'pcm16',
    mode: 'pipeline',
    language: 'en-US',
    outputFormat: 'pcm16',
    endOfTurnSilenceMs: 600,
  };
  if (call.direction === 'outbound' && call.purpose) {
    start.systemPrompt =
      "You are on a phone call you placed on the user's behalf, speaking with the person who answered. " +
      `The purpose of the call: ${call.purpose}`;
  }
  return start;
}
