import type { Msg } from 'nats';
import {
  DomainError,
  EnvelopeHeader,
  ErrorBody,
  ErrorCode,
  isTerminalEvent,
  StreamDef,
  StreamEventOf,
} from '@conduit/contracts';
import { decodeJson } from './codec';
import { BusStreamObserver, noopStreamObserver } from './instrumentation/bus-instrumentation';

export interface StreamReaderOptions {
  /** How long the stream may be silent (no event, no heartbeat) before it counts as lost. */
  idleTimeoutMs: number;
  /**
   * The watchdog's clock, whose time {@link StreamReader.checkIdle} is given: activity is stamped with it
   * (a `ListeningClock`'s `now`, so this process's own stalls are not the producer's silence).
   * The wall clock by default.
   */
  clock?: { now(): number };
}

type Waiter<E> = (result: IteratorResult<E>) => void;

/**
 * Consumes one stream's events in order. Ends after exactly one terminal event: the producer's own,
 * or a synthesized `error` when the producer goes silent, skips a sequence number, or sends garbage.
 */
export class StreamReader<D extends StreamDef> implements AsyncIterable<StreamEventOf<D>> {
  private readonly buffered: StreamEventOf<D>[] = [];
  private waiter: Waiter<StreamEventOf<D>> | null = null;
  private nextSeq = 0;
  private finished = false;
  private terminalEvent: StreamEventOf<D> | null = null;
  private readonly finishListeners: (() => void)[] = [];
  private readonly clock: { now(): number };
  /** On the reader's clock; infinite while the idle check is suspended. */
  private lastActivityAt: number;

  constructor(
    readonly def: D,
    readonly streamId: string,
    readonly options: StreamReaderOptions,
    private readonly subscription: { unsubscribe(): void },
    private readonly onClosed: (reader: StreamReader<D>) => void,
    private readonly observer: BusStreamObserver = noopStreamObserver,
  ) {
    this.clock = options.clock ?? Date;
    this.lastActivityAt = this.clock.now();
  }

  /** Starts after `seq`: a resuming consumer already has everything up to it. */
  resumeAfter(seq: number): void {
    this.nextSeq = seq + 1;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /**
   * Runs `listener` once when the stream ends, however it ends: its terminal event arrived, the consumer
   * closed it, or it failed locally. At once if it has ended already.
   */
  onFinished(listener: () => void): void {
    if (this.finished) listener();
    else this.finishListeners.push(listener);
  }

  /** Called for every NATS message on the stream's subject. */
  handleMessage(msg: Pick<Msg, 'data' | 'headers'>): void {
    if (this.finished) return;
    this.lastActivityAt = this.clock.now();
    if (msg.headers?.has(EnvelopeHeader.StreamHeartbeat)) return;
    let event: StreamEventOf<D>;
    try {
      const raw = decodeJson(msg.data);
      if (this.def.isFrequentEvent?.(raw)) event = raw as StreamEventOf<D>;
      else {
        const parsed = this.def.event.safeParse(raw);
        if (!parsed.success) throw parsed.error;
        event = parsed.data as StreamEventOf<D>;
      }
    } catch {
      this.failLocally({ code: ErrorCode.Internal, message: 'Received a malformed stream event' });
      return;
    }
    if (event.seq < this.nextSeq) return; // a duplicate of something already delivered
    if (event.seq > this.nextSeq) {
      this.failLocally({
        code: ErrorCode.StreamLost,
        message: 'Stream events were lost in transit',
        details: { expectedSeq: this.nextSeq, receivedSeq: event.seq },
      });
      return;
    }
    this.nextSeq = event.seq + 1;
    this.push(event);
    if (isTerminalEvent(event)) this.finish();
  }

  /** Suspends the idle check until {@link markActive} (until the producer has acknowledged the start). */
  suspendIdleCheck(): void {
    this.lastActivityAt = Number.POSITIVE_INFINITY;
  }

  /** Counts as the producer's activity: the idle timeout starts over now. */
  markActive(): void {
    this.lastActivityAt = this.clock.now();
  }

  /** Checked by the bus's shared watchdog, with the time of the reader's clock. */
  checkIdle(now: number): void {
    if (!this.finished && now - this.lastActivityAt > this.options.idleTimeoutMs) {
      this.failLocally({
        code: ErrorCode.StreamLost,
        message: `The producer stopped responding (no event or heartbeat for ${this.options.idleTimeoutMs} ms)`,
      });
    }
  }

  /** Ends the stream with an error event of our own making, continuing the producer's numbering. */
  failLocally(error: ErrorBody): void {
    if (this.finished) return;
    this.push({ seq: this.nextSeq, type: 'error', error } as StreamEventOf<D>);
    this.nextSeq += 1;
    this.finish();
  }

  /** Stops listening without a terminal event (the consumer went away). */
  close(): void {
    if (this.finished) return;
    this.finish();
  }

  async next(): Promise<IteratorResult<StreamEventOf<D>>> {
    const event = this.buffered.shift();
    if (event) return { value: event, done: false };
    if (this.finished) return { value: undefined, done: true };
    return new Promise((resolve) => (this.waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEventOf<D>> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Collects the whole stream (for non-streaming answers); throws the terminal error as a DomainError. */
  async collect(): Promise<StreamEventOf<D>[]> {
    const events: StreamEventOf<D>[] = [];
    for await (const event of this) {
      if (event.type === 'error')
        throw DomainError.fromBody((event as unknown as { error: ErrorBody }).error);
      events.push(event);
    }
    return events;
  }

  private push(event: StreamEventOf<D>): void {
    this.observer.event(event);
    if (isTerminalEvent(event)) this.terminalEvent = event;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter({ value: event, done: false });
    } else {
      this.buffered.push(event);
    }
  }

  private finish(): void {
    this.finished = true;
    this.subscription.unsubscribe();
    this.onClosed(this);
    this.observer.end(
      this.terminalEvent ? { type: 'terminal', event: this.terminalEvent } : { type: 'closed' },
    );
    for (const listener of this.finishListeners.splice(0)) listener();
    if (this.buffered.length === 0 && this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter({ value: undefined, done: true });
    }
  }
}
