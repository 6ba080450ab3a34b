import WebSocket from 'ws';
import type { VoiceServerEvent } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';

/** A `/ws/voice` client that keeps every event and counts reply audio, in arrival order. */
export class VoiceSocket {
  readonly received: Array<{ kind: 'event'; event: VoiceServerEvent } | { kind: 'audio'; bytes: number }> =
    [];
  closedWith: number | null = null;
  /** The reply audio's bytes, in arrival order. */
  readonly audio: Buffer[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.audio.push(bytes);
      if (isBinary) this.received.push({ kind: 'audio', bytes: bytes.length });
      else this.received.push({ kind: 'event', event: JSON.parse(bytes.toString()) as VoiceServerEvent });
    });
    ws.on('close', (code) => (this.closedWith = code));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<VoiceSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const socket = new VoiceSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  events(): VoiceServerEvent[] {
    return this.received.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
  }

  /** The session's end: its fatal error (or `done`) and the socket closed. */
  async ended(): Promise<VoiceServerEvent> {
    await waitFor(
      () => this.closedWith !== null,
      () => `the socket to close; got ${JSON.stringify(this.events())}`,
    );
    const last = this.events().at(-1);
    if (!last) throw new Error('no event before the close');
    return last;
  }
}

/** Sends audio frames as a microphone would: each one once its 20 ms have passed on the wall clock. */
export function sendAtRealTime(ws: WebSocket, frames: Buffer[], frameMs = 20): Promise<void> {
  const started = Date.now();
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(frames.length, Math.floor((Date.now() - started) / frameMs) + 1);
      while (sent < due) ws.send(frames[sent++]!);
      if (sent === frames.length) {
        clearInterval(timer);
        resolve();
      }
    }, frameMs);
  });
}
