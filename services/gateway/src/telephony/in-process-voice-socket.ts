import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';

/** Where what the voice conversation sends its client goes. */
export interface VoiceClientSink {
  /** A JSON event of the `/ws/voice` protocol. */
  event(text: string): void;
  /** Reply audio. */
  audio(data: Uint8Array): void;
  /** The conversation closed its side. */
  closed(code: number, reason: string): void;
}

const OPEN = 1;
const CLOSED = 3;

/**
 * The client end of a `/ws/voice` conversation inside this process: what a {@link VoiceConnection}
 * reads as its socket, so a phone call is served by the same code (session opening, ordering checks,
 * heartbeats, errors) as a WebSocket client. Only the part of `ws`'s socket that code uses is here.
 */
export class InProcessVoiceSocket extends EventEmitter {
  readonly OPEN = OPEN;
  readyState = OPEN;
  readonly bufferedAmount = 0;

  constructor(private readonly sink: VoiceClientSink) {
    super();
  }

  /** As the conversation's socket: `ws`'s typing, for the one class that takes it. */
  asWebSocket(): WebSocket {
    return this as unknown as WebSocket;
  }

  /** The client sends a JSON message. */
  sendMessage(message: object): void {
    if (this.readyState === OPEN) this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }

  /** The client sends audio. */
  sendAudio(pcm: Buffer): void {
    if (this.readyState === OPEN) this.emit('message', pcm, true);
  }

  /** The client went away: the conversation stops. */
  end(): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    this.emit('close', 1000, Buffer.alloc(0));
  }

  // The conversation's side of the socket.

  send(data: string | Uint8Array, options?: { binary?: boolean }): void {
    if (this.readyState !== OPEN) return;
    if (options?.binary && typeof data !== 'string') this.sink.audio(data);
    else this.sink.event(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    this.sink.closed(code, reason);
    this.emit('close', code, Buffer.from(reason));
  }
}
