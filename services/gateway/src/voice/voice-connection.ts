import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { Bus, ChannelReader, ChannelWriter, encodeJson, ListeningClock } from '@conduit/bus';
import {
  ErrorCode,
  isDomainError,
  VOICE_HEARTBEAT_INTERVAL_MS,
  VOICE_HEARTBEAT_TIMEOUT_MS,
  VoiceClientMessageSchema,
  VoiceContract,
  VoiceSessionChannel,
  type VoiceServerEvent,
  type VoiceStart,
} from '@conduit/contracts';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { MAX_BUFFERED_BYTES_PER_CLIENT } from '../streaming/client-backpressure';
import type { WsConnection } from '../ws/ws-connection';

/** Audio frames a client may send between `start` and `ready`; they are passed on once the session is open. */
const MAX_FRAMES_BEFORE_READY = 250;
/** Longest wait for a voice replica to accept a session. */
const OPEN_TIMEOUT_MS = 10_000;

export interface VoiceConnectionDeps {
  readonly bus: Bus;
  readonly maxFrameBytes: number;
}

/** How often an open session's liveness is checked, and a heartbeat sent if the input was quiet. */
const WATCH_INTERVAL_MS = VOICE_HEARTBEAT_INTERVAL_MS / 2;

type State =
  | { name: 'awaiting-start' }
  | { name: 'opening'; queued: Buffer[] }
  | {
      name: 'open';
      input: ChannelWriter;
      output: ChannelReader;
      watch: NodeJS.Timeout;
      /** The watch's time: the session is not blamed for this process's own stalls. */
      clock: ListeningClock;
    }
  | { name: 'closed' };

/**
 * One `/ws/voice` socket: after the client's `start`, a live session on whichever voice replica
 * accepts it, reached through the session's own subjects. The client's audio goes there as raw
 * binary messages and its control messages as JSON; the session's events come back as JSON text
 * frames and its reply audio as binary frames, in the order the session sent them (checked by number).
 * Both sides send heartbeats while quiet; a session that goes silent ends with an `error`.
 */
export class VoiceConnection implements WsConnection {
  private readonly logger = new Logger(VoiceConnection.name);
  private state: State = { name: 'awaiting-start' };
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    readonly caller: AuthenticatedCaller,
    private readonly deps: VoiceConnectionDeps,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(toBuffer(data), isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.leave());
    socket.on('error', () => this.leave());
  }

  askToReconnect(): void {
    this.send({
      type: 'error',
      code: ErrorCode.ServiceUnavailable,
      message: 'The gateway is restarting: reconnect and start a new session',
      fatal: true,
    });
  }

  close(code: number, reason: string): void {
    this.leave();
    this.socket.close(code, reason);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state.name === 'closed') return;
    if (isBinary) return this.onAudio(data);
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return this.fail(ErrorCode.ValidationFailed, 'Text frames must be JSON messages');
    }
    const parsed = VoiceClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      return this.fail(
        ErrorCode.ValidationFailed,
        `Invalid message${where}: ${issue?.message ?? 'unreadable'}`,
      );
    }
    const message = parsed.data;
    if (message.type === 'start') {
      if (this.state.name !== 'awaiting-start')
        return this.fail(ErrorCode.Conflict, 'The session has started already');
      void this.open(message);
      return;
    }
    if (this.state.name !== 'open')
      return this.fail(ErrorCode.ValidationFailed, 'Send `start` first, then wait for `ready`');
    this.state.input.send('control', encodeJson(message));
  }

  private onAudio(frame: Buffer): void {
    if (frame.length > this.deps.maxFrameBytes) {
      return this.fail(
        ErrorCode.PayloadTooLarge,
        `An audio frame may hold at most ${this.deps.maxFrameBytes} bytes`,
      );
    }
    switch (this.state.name) {
      case 'awaiting-start':
        return this.fail(ErrorCode.ValidationFailed, 'Send `start` before any audio');
      case 'opening':
        if (this.state.queued.length >= MAX_FRAMES_BEFORE_READY)
          return this.fail(ErrorCode.RateLimited, 'Too much audio before `ready`');
        this.state.queued.push(frame);
        return;
      case 'open':
        this.state.input.send('audio', frame);
        return;
      case 'closed':
        return;
    }
  }

  /** Opens the session: listening on its output first, then asking the voice replicas for it. */
  private async open(start: VoiceStart): Promise<void> {
    const opening: State = { name: 'opening', queued: [] };
    this.state = opening;
    const { bus } = this.deps;
    const id = randomUUID();
    const clock = new ListeningClock(WATCH_INTERVAL_MS);
    const output = new ChannelReader(
      bus,
      VoiceSessionChannel,
      id,
      'out',
      {
        message: ({ kind, data }) => this.relay(kind, data),
        fault: () => this.fail(ErrorCode.StreamLost, 'Frames of the voice session were lost or reordered'),
      },
      clock,
    );
    try {
      const ready = await bus.request(VoiceContract.openSession, { voiceSessionId: id, start }, this.caller, {
        timeoutMs: OPEN_TIMEOUT_MS,
      });
      if (this.state !== opening) {
        // The client left while the session opened: it ends at once.
        new ChannelWriter(bus, VoiceSessionChannel, id, 'in', this.caller).send(
          'control',
          encodeJson({ type: 'stop' }),
        );
        output.close();
        return;
      }
      const input = new ChannelWriter(bus, VoiceSessionChannel, id, 'in', this.caller);
      const watch = setInterval(() => this.watch(), WATCH_INTERVAL_MS);
      clock.start();
      this.state = { name: 'open', input, output, watch, clock };
      this.send({ type: 'ready', ...ready });
      for (const frame of opening.queued) input.send('audio', frame);
    } catch (error) {
      output.close();
      if (this.state !== opening) return;
      const body = isDomainError(error)
        ? error.toBody()
        : { code: ErrorCode.Internal, message: 'Internal error' };
      if (!isDomainError(error)) this.logger.error(`opening a voice session failed: ${String(error)}`);
      this.fail(body.code, body.message);
    }
  }

  /** Passes a session message to the client, in the order the session sent them. */
  private relay(kind: string, data: Uint8Array): void {
    if (this.state.name !== 'open' && this.state.name !== 'opening') return;
    if (kind === 'audio') return this.sendBinary(data);
    if (kind !== 'event') return; // heartbeat: lastHeardAt is all it is for
    const text = Buffer.from(data).toString('utf8');
    this.sendText(text);
    const event = JSON.parse(text) as VoiceServerEvent;
    if (event.type === 'done' || (event.type === 'error' && event.fatal)) this.finish(1000, event.type);
  }

  private watch(): void {
    if (this.state.name !== 'open') return;
    if (this.state.clock.tick() - this.state.output.lastHeardAt > VOICE_HEARTBEAT_TIMEOUT_MS) {
      return this.fail(ErrorCode.StreamLost, 'The voice service stopped answering: start a new session');
    }
    if (Date.now() - this.state.input.lastSentAt >= VOICE_HEARTBEAT_INTERVAL_MS) {
      this.state.input.send('heartbeat', new Uint8Array(0));
    }
  }

  /** Ends the session with an error the client is told about, and closes the socket. */
  private fail(code: string, message: string): void {
    if (this.state.name === 'closed') return;
    this.send({ type: 'error', code, message, fatal: true });
    this.leave();
    this.finish(1000, 'error');
  }

  /** The socket is going: the session (if open) is stopped, which keeps what was played of a reply. */
  private leave(): void {
    const state = this.state;
    this.state = { name: 'closed' };
    if (state.name !== 'open') return;
    clearInterval(state.watch);
    state.input.send('control', encodeJson({ type: 'stop' }));
    state.output.close();
  }

  private finish(code: number, reason: string): void {
    this.leave();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  private send(event: VoiceServerEvent): void {
    this.sendText(JSON.stringify(event));
  }

  private sendText(text: string): void {
    if (this.writable()) this.socket.send(text);
  }

  private sendBinary(data: Uint8Array): void {
    if (this.writable()) this.socket.send(data, { binary: true });
  }

  private writable(): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES_PER_CLIENT) {
      this.leave();
      this.socket.close(1008, 'client too slow');
      return false;
    }
    return true;
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
