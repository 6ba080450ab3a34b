import type { DeepgramTransport, DeepgramTransportFactory, DeepgramTransportMessage } from '@deepgram/sdk';
import WebSocket from 'ws';

/** Deepgram refused the websocket upgrade: its HTTP status, `retry-after` and error body. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * The SDK's transport seam filled with a plain `ws` socket. The SDK's own transport reduces a refused
 * upgrade to the message "Unexpected server response: 429", losing the `retry-after` header and
 * Deepgram's error body; this one hands them to `onRefused` before reporting the error. It never
 * reconnects (the SDK turns its own retries off for custom transports): a dropped connection ends the
 * recognition with an error instead of silently losing the audio sent meanwhile.
 */
export function wsTransportFactory(onRefused: (refusal: UpgradeRefusal) => void): DeepgramTransportFactory {
  return (url, headers, request) =>
    new WsTransport(toWebSocketUrl(url), headers, request.protocols, onRefused);
}

/** `DEEPGRAM_BASE_URL` is an http(s) origin; the live socket is the same host over ws(s). */
function toWebSocketUrl(url: string): string {
  return url.replace(/^http(s?):\/\//, 'ws$1://');
}

class WsTransport implements DeepgramTransport {
  private readonly socket: WebSocket;
  private readonly errorListeners: Array<(error: Error) => void> = [];

  constructor(
    url: string,
    headers: Record<string, string>,
    protocols: string[],
    onRefused: (refusal: UpgradeRefusal) => void,
  ) {
    this.socket = new WebSocket(url, protocols, { headers });
    this.socket.on('error', (error) => this.errorListeners.forEach((listener) => listener(error)));
    // With this listener, ws leaves the refused response to us instead of emitting its generic error.
    this.socket.on('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => undefined);
      res.on('end', () => {
        onRefused({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        req.destroy();
        this.errorListeners.forEach((listener) =>
          listener(new Error(`Unexpected server response: ${res.statusCode ?? 0}`)),
        );
      });
    });
  }

  send(data: DeepgramTransportMessage): void {
    if (data instanceof Blob) throw new Error('Blob audio is not sent over this transport');
    this.socket.send(data);
  }

  onOpen(listener: () => void): void {
    this.socket.on('open', listener);
  }

  onMessage(listener: (message: DeepgramTransportMessage) => void): void {
    this.socket.on('message', (data: Buffer, isBinary: boolean) =>
      listener(isBinary ? new Uint8Array(data) : data.toString('utf8')),
    );
  }

  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  onClose(listener: (event: { code?: number; reason?: string }) => void): void {
    this.socket.on('close', (code: number, reason: Buffer) =>
      listener({ code, reason: reason.toString('utf8') }),
    );
  }

  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  close(code?: number, reason?: string): void {
    if (this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
      return;
    }
    // 1006 and 1011 cannot be sent in a close frame; anything but a normal close just drops the socket.
    if (code === undefined || code === 1000) this.socket.close(1000, reason);
    else this.socket.terminate();
  }
}
