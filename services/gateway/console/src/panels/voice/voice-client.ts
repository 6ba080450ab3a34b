import type { VoiceClientMessageSchema, VoiceServerEvent } from '@conduit/contracts';
import type { z } from 'zod';

/** A message as the client writes it (fields with defaults may be left out). */
type VoiceClientMessage = z.input<typeof VoiceClientMessageSchema>;

export interface VoiceClientOptions {
  /** `ws(s)://host/ws/voice?access_token=…` */
  readonly url: string;
  /** The rate of the PCM the client sends (and so of the reply's PCM). */
  readonly sampleRate: 16000;
  readonly onEvent: (event: VoiceServerEvent) => void;
  readonly onAudio: (chunk: ArrayBuffer) => void;
  readonly onClose: (code: number, reason: string) => void;
}

/**
 * One `/ws/voice` conversation: sends `start` once the socket opens, then the microphone's PCM frames
 * and control messages; hands the session's JSON events and binary reply audio to its callbacks.
 */
export class VoiceClient {
  private readonly socket: WebSocket;

  constructor(private readonly options: VoiceClientOptions) {
    this.socket = new WebSocket(options.url);
    this.socket.binaryType = 'arraybuffer';
    this.socket.onopen = () =>
      this.sendJson({
        type: 'start',
        sampleRate: options.sampleRate,
        encoding: 'pcm16',
        outputFormat: 'pcm16',
      });
    this.socket.onmessage = (message: MessageEvent<ArrayBuffer | string>) => {
      if (typeof message.data === 'string') options.onEvent(JSON.parse(message.data) as VoiceServerEvent);
      else options.onAudio(message.data);
    };
    this.socket.onclose = (event) => options.onClose(event.code, event.reason);
  }

  /** A frame of the user's audio; dropped unless the socket is open (frames before `ready` are queued by the gateway). */
  sendAudio(frame: ArrayBuffer): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  interrupt(): void {
    this.sendJson({ type: 'interrupt' });
  }

  say(text: string): void {
    this.sendJson({ type: 'say', text });
  }

  /** Asks the session to end: the server answers `done` and closes. */
  stop(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.sendJson({ type: 'stop' });
    else this.socket.close();
  }

  private sendJson(message: VoiceClientMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
