import type WebSocket from 'ws';
import {
  CallerContext,
  ChatContract,
  DomainError,
  ErrorBody,
  ErrorCode,
  isDomainError,
  validationError,
  WsClientFrame,
  WsClientFrameSchema,
  WsServerFrame,
} from '@conduit/contracts';
import type { ResponseOf } from '@conduit/contracts';
import type { ChatStreamsService, CompletionStream } from '../chat/chat-streams.service';
import type { RequestRateLimiter } from '../rate-limits/request-rate-limiter.service';

type StartAck = ResponseOf<typeof ChatContract.startCompletion>;

/** Past this much unsent data the client is too slow to keep up, and the connection is closed. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One authenticated WebSocket: runs the client's chat streams side by side, tagged with the client's
 * ids, and lets it cancel any of them. Leaving closes the relays; the answers go on and are saved.
 */
export class WsClientSession {
  private readonly streams = new Map<string, CompletionStream | 'starting'>();
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly caller: CallerContext,
    private readonly chat: ChatStreamsService,
    private readonly maxStreams: number,
    private readonly requestLimiter: Pick<RequestRateLimiter, 'enforce'>,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.closeAll());
    socket.on('error', () => this.closeAll());
    this.send({ type: 'ready', userId: caller.userId ?? '' });
  }

  send(frame: WsServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(1008, 'client too slow');
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    let raw: unknown;
    try {
      if (isBinary) throw new Error('binary');
      raw = JSON.parse(data.toString());
    } catch {
      this.send({
        type: 'error',
        error: { code: ErrorCode.ValidationFailed, message: 'Frames must be JSON text' },
      });
      return;
    }
    const parsed = WsClientFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const id =
        typeof (raw as { id?: unknown })?.id === 'string'
          ? (raw as { id: string }).id.slice(0, 64)
          : undefined;
      this.send({
        type: 'error',
        ...(id ? { id } : {}),
        error: validationError(parsed.error, 'frame').toBody(),
      });
      return;
    }
    void this.handle(parsed.data);
  }

  private async handle(frame: WsClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'cancel':
        return this.cancel(frame.id);
      case 'chat.start':
        return this.start(frame);
      case 'resume':
        return this.resume(frame);
    }
  }

  private start(frame: Extract<WsClientFrame, { type: 'chat.start' }>): Promise<void> {
    return this.relay(frame.id, async () => {
      const { ack, stream } = await this.chat.startInSession(this.caller, {
        sessionId: frame.sessionId,
        content: frame.content,
        ...(frame.model ? { model: frame.model } : {}),
      });
      return { stream, ack };
    });
  }

  private resume(frame: Extract<WsClientFrame, { type: 'resume' }>): Promise<void> {
    return this.relay(frame.id, async () => {
      await this.requestLimiter.enforce(this.caller);
      return { stream: await this.chat.resume(this.caller, frame.streamId, frame.lastSeq), ack: null };
    });
  }

  /**
   * Runs one client-tagged stream: limits first, then its events as `chat.event` frames until it ends.
   * Each start or resume is a request, counted like an HTTP one (a start by its stream admission);
   * refused, it ends in an error frame for its id.
   */
  private async relay(
    id: string,
    open: () => Promise<{ stream: CompletionStream; ack: StartAck | null }>,
  ): Promise<void> {
    if (this.streams.has(id)) {
      return this.fail(id, {
        code: ErrorCode.Conflict,
        message: `A stream with id "${id}" is already running`,
      });
    }
    if (this.streams.size >= this.maxStreams) {
      return this.fail(id, {
        code: ErrorCode.RateLimited,
        message: `At most ${this.maxStreams} streams may run at once per connection`,
      });
    }
    this.streams.set(id, 'starting');
    try {
      const { stream, ack } = await open();
      if (!this.streams.has(id)) {
        stream.close(); // the socket closed while the request was in flight
        return;
      }
      this.streams.set(id, stream);
      if (ack) this.send({ type: 'chat.started', id, ack });
      for await (const event of stream) this.send({ type: 'chat.event', id, event });
    } catch (error) {
      this.fail(id, errorBodyOf(error));
    } finally {
      this.streams.delete(id);
    }
  }

  private async cancel(id: string): Promise<void> {
    const stream = this.streams.get(id);
    if (!stream || stream === 'starting') {
      return this.fail(id, { code: ErrorCode.NotFound, message: `No running stream with id "${id}"` });
    }
    try {
      await this.chat.cancel(this.caller, stream.streamId);
    } catch (error) {
      this.fail(id, errorBodyOf(error));
    }
  }

  private fail(id: string, error: ErrorBody): void {
    this.send({ type: 'error', id, error });
  }

  private closeAll(): void {
    for (const stream of this.streams.values()) if (stream !== 'starting') stream.close();
    this.streams.clear();
  }
}

function errorBodyOf(error: unknown): ErrorBody {
  return isDomainError(error)
    ? error.toBody()
    : new DomainError(ErrorCode.Internal, 'Internal error').toBody();
}
