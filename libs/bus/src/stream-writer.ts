import type { MsgHdrs, Subscription } from 'nats';
import { headers as natsHeaders } from 'nats';
import {
  CallerContext,
  EnvelopeHeader,
  ErrorBody,
  isTerminalEvent,
  StreamDef,
  UnsequencedEventOf,
} from '@conduit/contracts';
import { encodeJson } from './codec';
import type { CoalescingPublisher } from './coalescing-publisher';
import { BusStreamObserver, noopStreamObserver } from './instrumentation/bus-instrumentation';

const heartbeatHeaders = (): MsgHdrs => {
  const h = natsHeaders();
  h.set(EnvelopeHeader.StreamHeartbeat, '1');
  return h;
};

/**
 * Produces one stream: numbers events, sends heartbeats while quiet, guarantees exactly one terminal
 * event, and turns a cancel request from the stream's owner into an aborted {@link signal}.
 */
export class StreamWriter<D extends StreamDef> {
  private seq = 0;
  private ended = false;
  private readonly abortController = new AbortController();
  private cancelSubscription: Subscription | null = null;
  lastSentAt = Date.now();

  constructor(
    readonly def: D,
    readonly streamId: string,
    readonly owner: CallerContext,
    private readonly publisher: Pick<CoalescingPublisher, 'publish'>,
    private readonly eventsSubject: string,
    private readonly onEnded: (writer: StreamWriter<D>) => void,
    private readonly observer: BusStreamObserver = noopStreamObserver,
  ) {}

  /** Aborted when the owner cancels the stream or the producer shuts down. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get eventCount(): number {
    return this.seq;
  }

  /** Runs `fn` as part of this stream (inside its trace span): the work that produces its events. */
  run<T>(fn: () => T): T {
    return this.observer.run(fn);
  }

  attachCancelSubscription(subscription: Subscription): void {
    this.cancelSubscription = subscription;
  }

  /** Publishes an event; the first terminal event ends the stream, anything after it is dropped. */
  emit(event: UnsequencedEventOf<D>): void {
    if (this.ended) return;
    const sequenced = { seq: this.seq, ...event };
    this.seq += 1;
    this.publisher.publish(this.eventsSubject, encodeJson(sequenced));
    this.lastSentAt = Date.now();
    this.observer.event(sequenced);
    if (isTerminalEvent(event)) {
      this.end();
      this.observer.end({ type: 'terminal', event: sequenced });
    }
  }

  fail(error: ErrorBody): void {
    this.emit({ type: 'error', error } as unknown as UnsequencedEventOf<D>);
  }

  abort(reason: string): void {
    if (!this.abortController.signal.aborted) this.abortController.abort(reason);
  }

  sendHeartbeatIfQuiet(now: number, intervalMs: number): void {
    if (!this.ended && now - this.lastSentAt >= intervalMs) {
      this.publisher.publish(this.eventsSubject, new Uint8Array(0), { headers: heartbeatHeaders() });
      this.lastSentAt = now;
    }
  }

  private end(): void {
    this.ended = true;
    this.cancelSubscription?.unsubscribe();
    this.onEnded(this);
  }
}
