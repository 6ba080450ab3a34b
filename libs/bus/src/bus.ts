import { hostname } from 'node:os';
import {
  connect,
  DiscardPolicy,
  StorageType,
  ErrorCode as NatsErrorCode,
  Events,
  type ConnectionOptions,
  type JetStreamClient,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  CallerContext,
  DomainError,
  Envelope,
  ErrorBody,
  ErrorCode,
  EventDef,
  isDomainError,
  ParsedRequestOf,
  PayloadOf,
  RequestDef,
  RequestOf,
  ResponseOf,
  StreamDef,
  streamCancelSubject,
  streamEventsSubject,
  validationError,
} from '@conduit/contracts';
import { BusLogger, consoleBusLogger } from './bus-logger';
import { CoalescingPublisher } from './coalescing-publisher';
import { DurableWorker } from './durable-worker';
import { decodeJson, encodeJson } from './codec';
import { envelopeFromHeaders, envelopeToHeaders } from './envelope-headers';
import {
  BusInstrumentation,
  noopBusInstrumentation,
  StreamInfo,
  withinOperation,
} from './instrumentation/bus-instrumentation';
import { errorReply, okReply, Reply, ReplySchema } from './reply';
import { StreamReader, StreamReaderOptions } from './stream-reader';
import { StreamWriter } from './stream-writer';
import { ListeningClock } from './listening-clock';
import { Ticker } from './ticker';

export interface BusOptions {
  /** One or more NATS server URLs, comma separated. */
  url: string;
  /** Client name shown by the NATS server, e.g. `chat`. */
  name: string;
  /** Prepended to every subject (and JetStream stream name) so separate deployments or test runs never meet. */
  subjectPrefix?: string;
  user?: string;
  password?: string;
  requestTimeoutMs?: number;
  streamHeartbeatMs?: number;
  streamIdleTimeoutMs?: number;
  logger?: BusLogger;
  /** Tracing and metrics hooks (service-kit supplies them); none by default. */
  instrumentation?: BusInstrumentation;
}

export type RequestHandler<D extends RequestDef> = (
  payload: ParsedRequestOf<D>,
  envelope: Envelope,
) => Promise<ResponseOf<D>> | ResponseOf<D>;

export type EventHandler<D extends EventDef> = (
  payload: PayloadOf<D>,
  envelope: Envelope,
) => Promise<void> | void;

/** A running durable consumer; `stop` lets the event in hand finish and takes no more. */
export interface DurableConsumption {
  stop(): Promise<void>;
}

const DEFAULTS = { requestTimeoutMs: 10_000, streamHeartbeatMs: 1_000, streamIdleTimeoutMs: 5_000 };

/** The typed NATS client every process uses: validates both ways and carries the envelope in headers. */
export class Bus {
  private readonly readers: Ticker<StreamReader<StreamDef>>;
  /** The readers' watchdog time: a stall of this process is not its producers' silence. */
  private readonly readersClock: ListeningClock;
  private readonly writers: Ticker<StreamWriter<StreamDef>>;
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  /** Subscriptions that take new work (request handlers, event handlers), as opposed to stream control. */
  private readonly handlerSubscriptions = new Set<Subscription>();
  private readonly handlersInFlight = new Set<Promise<unknown>>();
  private isConnectedNow = true;
  private jetstreamClient: JetStreamClient | null = null;
  readonly prefix: string;
  readonly logger: BusLogger;
  readonly instrumentation: BusInstrumentation;
  readonly instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Stream events and heartbeats: many small messages, written to the socket in batches. */
  private readonly streamPublisher: CoalescingPublisher;

  private constructor(
    readonly connection: NatsConnection,
    private readonly options: Required<Pick<BusOptions, keyof typeof DEFAULTS>> & BusOptions,
  ) {
    this.prefix = options.subjectPrefix ?? '';
    this.logger = options.logger ?? consoleBusLogger;
    this.instrumentation = options.instrumentation ?? noopBusInstrumentation;
    this.streamPublisher = new CoalescingPublisher(connection, (error, subject) =>
      this.logger.warn('could not publish a stream event', { subject, error: String(error) }),
    );
    const idleCheckMs = Math.max(50, Math.floor(options.streamIdleTimeoutMs / 4));
    this.readersClock = new ListeningClock(idleCheckMs);
    this.readers = new Ticker(idleCheckMs, (reader, now) => reader.checkIdle(now), this.readersClock);
    this.writers = new Ticker(Math.max(50, Math.floor(options.streamHeartbeatMs / 2)), (writer, now) =>
      writer.sendHeartbeatIfQuiet(now, options.streamHeartbeatMs),
    );
    void this.watchStatus();
  }

  static async connect(options: BusOptions): Promise<Bus> {
    const connectionOptions: ConnectionOptions = {
      servers: options.url.split(',').map((s) => s.trim()),
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
      waitOnFirstConnect: true,
      // The client otherwise captures a stack trace (a new Error) for every request and timeout it
      // starts, to name the caller if it fails: about 3.5% of a busy media-gen replica's CPU in the media
      // benchmark's profile. A failed request still says what failed; traces name who asked.
      noAsyncTraces: true,
    };
    if (options.user) {
      connectionOptions.user = options.user;
      // Replies come back on inboxes only this user may read (deploy/nats grants `_INBOX_<user>.>`).
      connectionOptions.inboxPrefix = `_INBOX_${options.user}`;
    }
    if (options.password) connectionOptions.pass = options.password;
    const connection = await connect(connectionOptions);
    return new Bus(connection, { ...DEFAULTS, ...stripUndefined(options) });
  }

  get connected(): boolean {
    return this.isConnectedNow && !this.connection.isClosed();
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  subject(name: string): string {
    return this.prefix + name;
  }

  /** Sends a request and resolves with the validated response, or rejects with a {@link DomainError}. */
  async request<D extends RequestDef>(
    def: D,
    payload: RequestOf<D>,
    caller: CallerContext,
    options: { timeoutMs?: number } = {},
  ): Promise<ResponseOf<D>> {
    this.assertConnected();
    const parsed = def.request.safeParse(payload);
    if (!parsed.success) throw validationError(parsed.error);
    const headers = envelopeToHeaders(caller);
    const data = encodeJson(parsed.data);
    return withinOperation(this.instrumentation.onRequest({ subject: def.subject, headers }), async () => {
      // nats.js would refuse it too, but without saying how large it was.
      this.assertFitsPayloadLimit(data.length + Buffer.byteLength(headers.toString()), def.subject);
      let msg: Msg;
      try {
        msg = await this.connection.request(this.subject(def.subject), data, {
          timeout: options.timeoutMs ?? this.options.requestTimeoutMs,
          headers,
        });
      } catch (error) {
        throw this.translateRequestFailure(error, def.subject);
      }
      return this.readReply(def, msg);
    });
  }

  /**
   * Publishes an event; durable events are acknowledged by JetStream before this resolves. A durable
   * event published again with the same `messageId` (a retry after a lost acknowledgement) is stored
   * once, within the stream's duplicate window.
   */
  async publish<D extends EventDef>(
    def: D,
    payload: PayloadOf<D>,
    caller: CallerContext,
    options: { messageId?: string } = {},
  ): Promise<void> {
    const parsed = def.payload.safeParse(payload);
    if (!parsed.success) throw validationError(parsed.error, 'event');
    const messageId = options.messageId ?? randomUUID();
    const headers = envelopeToHeaders(caller, messageId);
    const data = encodeJson(parsed.data);
    const durable = def.durable !== null;
    await withinOperation(
      this.instrumentation.onPublish({ subject: def.subject, headers, durable }),
      async () => {
        if (durable) {
          await this.jetstream().publish(this.subject(def.subject), data, { headers, msgID: messageId });
        } else {
          this.connection.publish(this.subject(def.subject), data, { headers });
        }
      },
    );
  }

  /** Creates the JetStream streams that back durable events, if missing. Idempotent. */
  async ensureEventStreams(defs: readonly EventDef[]): Promise<void> {
    const manager = await this.connection.jetstreamManager();
    const subjectsByStream = new Map<string, string[]>();
    for (const def of defs) {
      if (!def.durable) continue;
      const name = this.streamName(def.durable.stream);
      subjectsByStream.set(name, [...(subjectsByStream.get(name) ?? []), this.subject(def.subject)]);
    }
    for (const [name, subjects] of subjectsByStream) {
      try {
        const { config } = await manager.streams.info(name);
        // Services that publish and services that consume a stream each name the events they know:
        // the stream keeps every subject any of them named.
        const merged = [...new Set([...(config.subjects ?? []), ...subjects])];
        if (merged.length !== (config.subjects ?? []).length)
          await manager.streams.update(name, { subjects: merged });
      } catch {
        await manager.streams.add({ name, subjects, max_age: 7 * 24 * 3600 * 1e9 });
      }
    }
  }

  /**
   * Creates (or updates) the JetStream streams that keep recent stream events, for resuming. They take
   * the producers' ordinary publishes as they are: the hot path does not wait for JetStream.
   */
  async ensureStreamRetention(
    defs: readonly StreamDef[],
    limits: { maxAgeMs: number; maxBytes: number },
  ): Promise<void> {
    const manager = await this.connection.jetstreamManager();
    for (const def of defs) {
      if (!def.retention) continue;
      const name = this.streamName(def.retention.stream);
      const config = {
        subjects: [this.subject(`${def.name}.events.>`)],
        max_age: limits.maxAgeMs * 1e6,
        storage: StorageType.Memory,
        // Memory streams reserve this much of the server's JetStream memory up front.
        max_bytes: limits.maxBytes,
        discard: DiscardPolicy.Old,
      };
      try {
        await manager.streams.info(name);
        await manager.streams.update(name, config);
      } catch {
        await manager.streams.add({ name, ...config });
      }
    }
  }

  /**
   * Re-reads a stream from its retained events: first what was published after `afterSeq`, then the
   * live rest, with the same ordering, idle and terminal rules as {@link openStream}. NOT_FOUND when
   * nothing is kept for it (unknown, or expired). Callers check that the stream is the caller's.
   */
  async resumeStream<D extends StreamDef>(
    def: D,
    streamId: string,
    afterSeq: number,
  ): Promise<StreamReader<D>> {
    this.assertConnected();
    if (!def.retention) throw new DomainError(ErrorCode.Internal, `${def.name} streams are not retained`);
    const stream = this.streamName(def.retention.stream);
    const subject = this.subject(streamEventsSubject(def, streamId));
    // No account-info call first: a reader may be allowed this one stream and nothing else.
    const manager = await this.connection.jetstreamManager({ checkAPI: false });
    try {
      await manager.streams.getMessage(stream, { last_by_subj: subject });
    } catch {
      throw new DomainError(ErrorCode.NotFound, 'No stream with that id is kept (unknown, or expired)');
    }
    const consumer = await this.jetstream().consumers.get(stream, { filterSubjects: subject });
    const messages = await consumer.consume();
    const reader: StreamReader<D> = new StreamReader(
      def,
      streamId,
      { idleTimeoutMs: this.options.streamIdleTimeoutMs, clock: this.readersClock },
      { unsubscribe: () => void messages.close().catch(() => undefined) },
      (r) => this.readers.delete(r as unknown as StreamReader<StreamDef>),
      this.instrumentation.onStreamConsume(streamInfo(def, streamId)),
    );
    reader.resumeAfter(afterSeq);
    this.readers.add(reader as unknown as StreamReader<StreamDef>);
    void (async () => {
      for await (const message of messages) reader.handleMessage(message);
    })().catch(() =>
      reader.failLocally({ code: ErrorCode.StreamLost, message: 'Reading the kept stream failed' }),
    );
    return reader;
  }

  /** JetStream stream names may not contain dots; the prefix keeps test runs apart. */
  streamName(stream: string): string {
    return `${this.prefix.replace(/[^A-Za-z0-9_-]/g, '_')}${stream}`;
  }

  /** Answers requests on a subject within a queue group; bad input gets a typed error, never silence. */
  serve<D extends RequestDef>(def: D, handler: RequestHandler<D>, options: { queue: string }): Subscription {
    return this.takesWork(this.subscribeRequests(def, handler, options.queue));
  }

  /**
   * Stops taking new work, for a graceful shutdown: drains every handler subscription (the server routes
   * new requests to other replicas in the queue group; those already received are still answered) and
   * resolves once the handlers in flight have returned. Stream cancel subscriptions stay, so the streams
   * this process still produces can be stopped by their owners until they end.
   */
  async stopServing(): Promise<void> {
    const subscriptions = [...this.handlerSubscriptions];
    this.handlerSubscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.drain().catch(() => undefined)));
    while (this.handlersInFlight.size > 0) await Promise.allSettled([...this.handlersInFlight]);
  }

  /** Subscribes to a non-durable event (every instance, or one per queue group). */
  subscribeEvent<D extends EventDef>(
    def: D,
    handler: EventHandler<D>,
    options: { queue?: string } = {},
  ): Subscription {
    const subscription = this.connection.subscribe(this.subject(def.subject), {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) return;
        const envelope = envelopeFromHeaders(msg.headers);
        const parsed = def.payload.safeParse(safeDecode(msg.data));
        if (!parsed.success) {
          this.logger.warn('dropped an invalid event', {
            subject: def.subject,
            messageId: envelope.messageId,
          });
          return;
        }
        const received = this.instrumentation.onEvent({
          subject: def.subject,
          headers: msg.headers,
          queue: options.queue ?? null,
        });
        this.trackHandler(
          withinOperation(received, async () => handler(parsed.data as PayloadOf<D>, envelope)).catch(
            (error: unknown) =>
              this.logger.error('event handler failed', { subject: def.subject, error: String(error) }),
          ),
        );
      },
    });
    return this.takesWork(subscription);
  }

  /**
   * Consumes a durable event through a durable JetStream consumer shared by every replica (created if
   * missing): each event goes to one replica, is acknowledged once `handler` resolves, and comes back
   * after `retryDelayMs(attempt)` when it throws, for as long as it keeps failing. An event that does
   * not parse is dropped for good (logged). Resolves once consuming has started.
   */
  async consumeDurableEvent<D extends EventDef>(
    def: D,
    consumerName: string,
    handler: EventHandler<D>,
    options: { retryDelayMs: (attempt: number) => number; ackWaitMs?: number; batch?: number },
  ): Promise<DurableConsumption> {
    return DurableWorker.each(
      this,
      def,
      {
        consumer: consumerName,
        concurrency: 1,
        ackWaitMs: options.ackWaitMs ?? 30_000,
        retryDelayMs: options.retryDelayMs,
        prefetch: options.batch ?? 64,
      },
      async (delivery) => {
        await handler(delivery.payload, delivery.envelope);
        await delivery.ack();
      },
    );
  }

  /** Subscribes to a stream's events; call before asking the producer to start, so nothing is missed. */
  openStream<D extends StreamDef>(
    def: D,
    streamId: string,
    options: Partial<StreamReaderOptions> = {},
  ): StreamReader<D> {
    this.assertConnected();
    let reader: StreamReader<D> | null = null;
    const subscription = this.connection.subscribe(this.subject(streamEventsSubject(def, streamId)), {
      callback: (err, msg) => {
        if (err) reader?.failLocally({ code: ErrorCode.StreamLost, message: 'Stream subscription failed' });
        else reader?.handleMessage(msg);
      },
    });
    reader = new StreamReader(
      def,
      streamId,
      {
        idleTimeoutMs: options.idleTimeoutMs ?? this.options.streamIdleTimeoutMs,
        clock: this.readersClock,
      },
      subscription,
      (r) => this.readers.delete(r as unknown as StreamReader<StreamDef>),
      this.instrumentation.onStreamConsume(streamInfo(def, streamId)),
    );
    this.readers.add(reader as unknown as StreamReader<StreamDef>);
    return reader;
  }

  /** Asks the replica producing a stream to stop; NOT_FOUND when no producer owned by the caller runs it. */
  async cancelStream(def: StreamDef, streamId: string, caller: CallerContext): Promise<void> {
    await this.request(cancelRequestDef(def, streamId), {}, caller, { timeoutMs: 3_000 });
  }

  /** Starts producing a stream on behalf of `owner`; only the owner's cancel requests are honoured. */
  createStreamWriter<D extends StreamDef>(def: D, streamId: string, owner: CallerContext): StreamWriter<D> {
    const writer = new StreamWriter(
      def,
      streamId,
      owner,
      this.streamPublisher,
      this.subject(streamEventsSubject(def, streamId)),
      (w) => this.writers.delete(w as unknown as StreamWriter<StreamDef>),
      this.instrumentation.onStreamProduce(streamInfo(def, streamId)),
    );
    const cancelDef = cancelRequestDef(def, streamId);
    writer.attachCancelSubscription(
      this.subscribeRequests(
        cancelDef,
        (_payload, envelope) => {
          if (!owner.userId || envelope.userId !== owner.userId) {
            throw new DomainError(ErrorCode.NotFound, 'No running stream with that id');
          }
          writer.abort('cancelled by its owner');
          return { cancelled: true as const };
        },
        'cancel',
      ),
    );
    this.writers.add(writer as unknown as StreamWriter<StreamDef>);
    return writer;
  }

  get activeStreamWriters(): number {
    return this.writers.size;
  }

  get activeStreamReaders(): number {
    return this.readers.size;
  }

  /**
   * For a shutdown whose grace period ran out: ends every stream this process reads with `error`, and
   * asks every stream it produces to stop (their {@link StreamWriter.signal} aborts).
   */
  endOpenStreams(error: ErrorBody): void {
    for (const reader of this.readers.values()) reader.failLocally(error);
    for (const writer of this.writers.values()) writer.abort('shutdown');
  }

  async drain(): Promise<void> {
    this.streamPublisher.flush();
    if (!this.connection.isClosed()) await this.connection.drain();
  }

  async close(): Promise<void> {
    this.streamPublisher.flush();
    if (!this.connection.isClosed()) await this.connection.close();
  }

  private subscribeRequests<D extends RequestDef>(
    def: D,
    handler: RequestHandler<D>,
    queue: string,
  ): Subscription {
    return this.connection.subscribe(this.subject(def.subject), {
      queue,
      callback: (err, msg) => {
        if (err) {
          this.logger.error('subscription failed', { subject: def.subject, error: String(err) });
          return;
        }
        this.trackHandler(this.answer(def, handler, msg, queue));
      },
    });
  }

  private takesWork(subscription: Subscription): Subscription {
    this.handlerSubscriptions.add(subscription);
    const forget = () => this.handlerSubscriptions.delete(subscription);
    subscription.closed.then(forget, forget);
    return subscription;
  }

  private trackHandler(handling: Promise<unknown>): void {
    this.handlersInFlight.add(handling);
    const forget = () => this.handlersInFlight.delete(handling);
    handling.then(forget, forget);
  }

  private async answer<D extends RequestDef>(
    def: D,
    handler: RequestHandler<D>,
    msg: Msg,
    queue: string,
  ): Promise<void> {
    const envelope = envelopeFromHeaders(msg.headers);
    const served = this.instrumentation.onServe({ subject: def.subject, headers: msg.headers, queue });
    const reply = await served.run(async () => {
      try {
        let body: unknown;
        try {
          body = decodeJson(msg.data);
        } catch {
          throw new DomainError(ErrorCode.ValidationFailed, 'Request body is not valid JSON');
        }
        const parsed = def.request.safeParse(body ?? {});
        if (!parsed.success) throw validationError(parsed.error);
        return okReply(await handler(parsed.data as ParsedRequestOf<D>, envelope));
      } catch (error) {
        return errorReply(this.toErrorBody(error, def.subject, envelope));
      }
    });
    const sent = msg.reply ? this.sendReply(msg, reply, def.subject, envelope) : reply;
    served.end(sent.ok ? { ok: true } : { ok: false, error: sent.error });
  }

  /**
   * Answers at once, whatever happens: a reply the server would refuse (over its `max_payload`) or
   * that fails to send becomes a small typed error, so the caller never waits out its timeout.
   * Returns what was sent.
   */
  private sendReply(msg: Msg, reply: Reply, subject: string, envelope: Envelope): Reply {
    const where = { subject, messageId: envelope.messageId, traceparent: envelope.traceparent };
    let answer = reply;
    let data = encodeJson(answer);
    const maxBytes = this.maxPayloadBytes();
    if (data.length > maxBytes) {
      this.logger.error('reply exceeds the bus payload limit', { ...where, bytes: data.length, maxBytes });
      answer = errorReply({ code: ErrorCode.Internal, message: 'The answer was too large to send' });
      data = encodeJson(answer);
    }
    try {
      msg.respond(data);
      return answer;
    } catch (error) {
      this.logger.error('could not send a reply', { ...where, error: String(error) });
      answer = errorReply({ code: ErrorCode.Internal, message: 'The answer could not be sent' });
      try {
        msg.respond(encodeJson(answer));
      } catch {
        // The connection itself is gone: the caller sees no responders or its own timeout.
      }
      return answer;
    }
  }

  /** The largest message (headers and body) the connected server accepts. */
  private maxPayloadBytes(): number {
    return this.connection.info?.max_payload ?? Number.POSITIVE_INFINITY;
  }

  private assertFitsPayloadLimit(bytes: number, subject: string): void {
    const maxBytes = this.maxPayloadBytes();
    if (bytes <= maxBytes) return;
    this.logger.warn('request exceeds the bus payload limit', { subject, bytes, maxBytes });
    throw requestTooLarge(bytes, maxBytes);
  }

  toErrorBody(error: unknown, subject: string, envelope: Envelope) {
    if (isDomainError(error)) return error.toBody();
    this.logger.error('request handler failed', {
      subject,
      messageId: envelope.messageId,
      traceparent: envelope.traceparent,
      error: error instanceof Error ? (error.stack ?? error.message) : JSON.stringify(error),
    });
    return { code: ErrorCode.Internal, message: 'Internal error' };
  }

  private readReply<D extends RequestDef>(def: D, msg: Msg): ResponseOf<D> {
    const reply = ReplySchema.safeParse(safeDecode(msg.data));
    if (!reply.success) {
      this.logger.error('malformed reply', { subject: def.subject });
      throw new DomainError(ErrorCode.Internal, 'The service sent a malformed reply');
    }
    if (!reply.data.ok) throw DomainError.fromBody(reply.data.error);
    const response = def.response.safeParse(reply.data.data);
    if (!response.success) {
      this.logger.error('response failed its schema', {
        subject: def.subject,
        issues: response.error.issues,
      });
      throw new DomainError(ErrorCode.Internal, 'The service sent an invalid reply');
    }
    return response.data as ResponseOf<D>;
  }

  /** Callers learn what went wrong, never which subject: internal names stay in the logs. */
  private translateRequestFailure(error: unknown, subject: string): DomainError {
    const code = (error as { code?: string }).code;
    if (code === NatsErrorCode.NoResponders) {
      return new DomainError(ErrorCode.ServiceUnavailable, 'No service is answering this request right now');
    }
    if (code === NatsErrorCode.MaxPayloadExceeded) return requestTooLarge(null, this.maxPayloadBytes());
    if (code === NatsErrorCode.Timeout) {
      this.logger.warn('no answer in time', { subject });
      return new DomainError(ErrorCode.Timeout, 'The service did not answer in time');
    }
    if (this.connection.isClosed() || !this.isConnectedNow) {
      return new DomainError(ErrorCode.ServiceUnavailable, 'The message bus is unavailable');
    }
    this.logger.error('request failed', { subject, error: String(error) });
    return new DomainError(ErrorCode.Internal, 'The request could not be passed on');
  }

  private assertConnected(): void {
    if (!this.connected)
      throw new DomainError(ErrorCode.ServiceUnavailable, 'The message bus is unavailable');
  }

  private jetstream(): JetStreamClient {
    this.jetstreamClient ??= this.connection.jetstream();
    return this.jetstreamClient;
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      const next =
        status.type === Events.Disconnect
          ? false
          : status.type === Events.Reconnect
            ? true
            : this.isConnectedNow;
      if (next !== this.isConnectedNow) {
        this.isConnectedNow = next;
        for (const listener of this.statusListeners) listener(next);
      }
    }
  }
}

function cancelRequestDef(def: StreamDef, streamId: string): RequestDef {
  return {
    kind: 'request',
    subject: streamCancelSubject(def, streamId),
    request: CancelRequestSchema,
    response: CancelResponseSchema,
    errors: [ErrorCode.NotFound],
  };
}

const CancelRequestSchema = z.object({});
const CancelResponseSchema = z.object({ cancelled: z.literal(true) });

function requestTooLarge(bytes: number | null, maxBytes: number): DomainError {
  return new DomainError(ErrorCode.PayloadTooLarge, 'The request is too large to pass on to the service', {
    ...(bytes === null ? {} : { bytes }),
    maxBytes,
  });
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    return undefined;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function streamInfo(def: StreamDef, streamId: string): StreamInfo {
  return def.outputTokensOf
    ? { stream: def.name, streamId, outputTokensOf: def.outputTokensOf }
    : { stream: def.name, streamId };
}
