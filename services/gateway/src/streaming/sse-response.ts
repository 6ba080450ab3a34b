import type { FastifyReply } from 'fastify';
import { MAX_BUFFERED_BYTES_PER_CLIENT } from './client-backpressure';

const KEEPALIVE_MS = 15_000;

/**
 * A server-sent-events response written straight to the socket: the relay's hot path, so no framework
 * layers and no buffering. Comment lines keep idle proxies from closing a quiet stream. A client that
 * lets more than {@link MAX_BUFFERED_BYTES_PER_CLIENT} pile up unread is cut off (it can resume).
 */
export class SseResponse {
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly reply: FastifyReply,
    headers: Record<string, string> = {},
  ) {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    // The headers go out with the first event; only a stream whose first event is not ready within
    // this turn of the event loop sends them alone, so the client knows its request was taken.
    setImmediate(() => {
      if (!this.closed && !reply.raw.headersSent) reply.raw.flushHeaders();
    });
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    reply.raw.once('close', () => this.markClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs once when the client goes away or the response ends. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.reply.raw.once('close', listener);
  }

  event(data: string, options: { id?: string; event?: string } = {}): void {
    let frame = '';
    if (options.id) frame += `id: ${options.id}\n`;
    if (options.event) frame += `event: ${options.event}\n`;
    this.write(`${frame}data: ${data}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.markClosed();
    this.reply.raw.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    const raw = this.reply.raw;
    if (raw.writableLength > MAX_BUFFERED_BYTES_PER_CLIENT) {
      this.markClosed();
      raw.destroy();
      return;
    }
    raw.write(chunk);
  }

  private markClosed(): void {
    this.closed = true;
    clearInterval(this.keepalive);
  }
}
