import type WebSocket from 'ws';
import {
  DomainError,
  ErrorBody,
  ErrorCode,
  isDomainError,
  validationError,
  WsClientFrame,
  WsClientFrameSchema,
  WsServerFrame,
} from '@conduit/contracts';
import type { StreamReader } from '@conduit/bus';
import type { StreamDef } from '@conduit/contracts';
import type { AuthenticatedCaller } from '../identity/caller-context';
import type { RequestRateLimiter } from '../rate-limits/request-rate-limiter.service';
import { MAX_BUFFERED_BYTES_PER_CLIENT } from '../streaming/client-backpressure';
import type { StreamCatalog } from '../streaming/stream-catalog';
import { startPayloadSchemaOf } from '../streaming/stream-endpoint';
import type { StreamRelay } from '../streaming/stream-relay.service';
import type { WsConnection } from './ws-connection';

/** The endpoint a `chat.start` frame starts: chat's frame from before frames were generic. */
const CHAT_START_ENDPOINT = 'chat.message';

/** Close code for a client that lets too much pile up unread (1008: policy violation). */
const TOO_SLOW_CLOSE_CODE = 1008;

export interface WsSessionDeps {
  relay: StreamRelay;
  catalog: StreamCatalog;
  requestLimiter: Pick<RequestRateLimiter, 'enforce'>;
  maxStreams: number;
}

/**
 * One authenticated WebSocket: runs the client's streams side by side, of any endpoint, each tagged
 * with the client's id, and lets it cancel or detach from any of them. Leaving closes the relays; the
 * producers go on.
 */
export class WsClientSession implements WsConnection {
  private readonly streams = new Map<string, StreamReader<StreamDef> | 'starting'>();
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    readonly caller: AuthenticatedCaller,
    private readonly deps: WsSessionDeps,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.closeAll());
    socket.on('error', () => this.closeAll());
    this.send({ type: 'ready', userId: caller.userId });
  }

  send(frame: WsServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES_PER_CLIENT) {
      // Its relays stop at once: the closing handshake itself waits behind what the client has not read.
      this.close(TOO_SLOW_CLOSE_CODE, 'client too slow');
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }

  askToReconnect(): void {
    this.send({ type: 'reconnect' });
  }

  /** Ends the connection with a close code and reason the client can act on. */
  close(code: number, reason: string): void {
    this.closeAll();
    this.socket.close(code, reason);
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
      case 'detach':
        return this.detach(frame.id);
      case 'start':
        return this.start(frame.id, frame.stream, frame.request);
      case 'chat.start': {
        const { type: _type, id, ...request } = frame;
        return this.start(id, CHAT_START_ENDPOINT, request);
      }
      case 'resume':
        return this.resume(frame);
    }
  }

  private start(id: string, endpointName: string, request: Record<string, unknown>): Promise<void> {
    return this.relay(id, async () => {
      const endpoint = this.deps.catalog.endpointNamed(endpointName);
      if (!endpoint) {
        throw new DomainError(ErrorCode.NotFound, 'No stream endpoint of that name', {
          stream: endpointName.slice(0, 100),
          known: this.deps.catalog.endpointNames,
        });
      }
      const payload = startPayloadSchemaOf(endpoint).safeParse(request);
      if (!payload.success) throw validationError(payload.error, 'request');
      const { ack, stream } = await this.deps.relay.start(this.caller, endpoint, payload.data as object);
      return { stream, ack: ack as Record<string, unknown> };
    });
  }

  private resume(frame: Extract<WsClientFrame, { type: 'resume' }>): Promise<void> {
    return this.relay(frame.id, async () => {
      await this.deps.requestLimiter.enforce(this.caller);
      return { stream: await this.deps.relay.resume(this.caller, frame.streamId, frame.lastSeq), ack: null };
    });
  }

  /**
   * Runs one client-tagged stream: limits first, then its events as frames for its id until it ends.
   * Each start or resume is a request, counted like an HTTP one (a start by its stream admission);
   * refused, it ends in an error frame for its id.
   */
  private async relay(
    id: string,
    open: () => Promise<{ stream: StreamReader<StreamDef>; ack: Record<string, unknown> | null }>,
  ): Promise<void> {
    if (this.streams.has(id)) {
      return this.fail(id, {
        code: ErrorCode.Conflict,
        message: `A stream with id "${id}" is already running`,
      });
    }
    if (this.streams.size >= this.deps.maxStreams) {
      return this.fail(id, {
        code: ErrorCode.RateLimited,
        message: `At most ${this.deps.maxStreams} streams may run at once per connection`,
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
      const frames = this.deps.catalog.wsFramesOf(stream.def);
      // Frame names come from the catalog, so the compiler cannot pair them with their payloads.
      if (ack) this.send({ type: frames.started, id, streamId: stream.streamId, ack } as WsServerFrame);
      for await (const event of stream) this.send({ type: frames.event, id, event } as WsServerFrame);
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
      await this.deps.relay.cancel(this.caller, stream.streamId);
    } catch (error) {
      this.fail(id, errorBodyOf(error));
    }
  }

  /** Stops relaying `id` (its reader closes, so its relay ends and frees the slot); the producer goes on. */
  private detach(id: string): void {
    const stream = this.streams.get(id);
    if (!stream || stream === 'starting') {
      return this.fail(id, { code: ErrorCode.NotFound, message: `No running stream with id "${id}"` });
    }
    stream.close();
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
