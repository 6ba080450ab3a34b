import type { Subscription } from 'nats';
import {
  DomainError,
  ErrorCode,
  isTerminalEvent,
  type CallerContext,
  type EventDef,
  type PayloadOf,
  type StreamDef,
  type UnsequencedEventOf,
} from '@conduit/contracts';
import type { Bus } from './bus';
import type { StreamWriter } from './stream-writer';

export interface RecordStreamsOptions<D extends StreamDef, E extends EventDef, R> {
  /** The stream each watcher gets (kept for resuming with `retention`). */
  readonly stream: D;
  readonly retention: { maxAgeMs: number; maxBytes: number };
  /** The progress event every replica publishes about the records it works on. */
  readonly progress: E;
  /** How often watched records are reread, in case a progress message was lost. */
  readonly pollMs: number;
  /** What a record is called in answers and logs: `job`, `import`. */
  readonly noun: string;
  /** A record as its owner sees it; null when there is none (or it is someone else's). */
  find(userId: string, id: string): Promise<R | null>;
  /** Where a record stands as a stream event: the terminal `done` once it has finished. */
  stateOf(record: R): UnsequencedEventOf<D>;
  /** The record a progress event is about. */
  idOf(event: PayloadOf<E>): string;
  /** A progress event as the stream event its watchers get; null when it says the record finished. */
  fromProgress(event: PayloadOf<E>): UnsequencedEventOf<D> | null;
  readonly logger: { warn(message: string): void };
}

/**
 * Streams that follow one record each (a media job, a health import) from where it stands when asked to
 * its outcome. The replica asked produces the stream, whichever replica works on the record: it hears
 * every replica's progress events, and rereads the watched records every `pollMs` (and when an event
 * says one finished), so every stream reaches its `done` even when a progress message was lost.
 *
 * It listens to progress events only while it has a stream to produce: a replica nobody watches through
 * does not receive (and decode) every other replica's events, two or more per record.
 */
export class RecordStreams<D extends StreamDef, E extends EventDef, R> {
  private readonly watchers = new Map<string, Set<StreamWriter<D>>>();
  /** While there are watchers: the subscription, and once the server has it. */
  private listening: { subscription: Subscription; ready: Promise<void> } | null = null;
  private stopped = false;
  private poller: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly options: RecordStreamsOptions<D, E, R>,
  ) {}

  async start(): Promise<void> {
    const { stream, retention, pollMs } = this.options;
    await this.bus.ensureStreamRetention([stream], retention);
    this.poller = setInterval(() => void this.pollAll(), pollMs);
    this.poller.unref();
  }

  stop(): void {
    this.stopped = true;
    this.stopListening();
    if (this.poller) clearInterval(this.poller);
  }

  /** Whether progress events are being received: only while this replica produces a stream. */
  get listeningForProgress(): boolean {
    return this.listening !== null;
  }

  /** Starts a stream of the caller's record; NOT_FOUND for anyone else's. */
  async watch(caller: CallerContext & { userId: string }, id: string, streamId: string): Promise<void> {
    const { noun } = this.options;
    const found = await this.options.find(caller.userId, id);
    if (!found) throw new DomainError(ErrorCode.NotFound, `No such ${noun}`, { id });
    const writer = this.bus.createStreamWriter(this.options.stream, streamId, caller);
    // Listening before the state is read again: nothing between the two is missed.
    this.add(id, writer);
    writer.signal.addEventListener('abort', () => {
      this.remove(id, writer);
      writer.fail({
        code: ErrorCode.Cancelled,
        message: `Stopped watching; the ${noun} itself goes on (watch it again to follow it)`,
      });
    });
    await this.listening?.ready;
    const current = (await this.options.find(caller.userId, id)) ?? found;
    this.emit(id, writer, this.options.stateOf(current));
  }

  private progressed(event: PayloadOf<E>): void {
    const id = this.options.idOf(event);
    const writers = this.watchers.get(id);
    if (!writers) return;
    const update = this.options.fromProgress(event);
    if (!update) return void this.refresh(id);
    for (const writer of [...writers]) this.emit(id, writer, update);
  }

  /** Rereads a watched record and ends its streams if it has finished. */
  private async refresh(id: string): Promise<void> {
    const writers = this.watchers.get(id);
    const owner = writers?.values().next().value?.owner.userId;
    if (!writers || !owner) return;
    try {
      const record = await this.options.find(owner, id);
      if (!record) {
        for (const writer of [...writers]) {
          this.remove(id, writer);
          writer.fail({ code: ErrorCode.NotFound, message: `The ${this.options.noun} is gone` });
        }
        return;
      }
      const state = this.options.stateOf(record);
      if (!isTerminalEvent(state)) return;
      for (const writer of [...writers]) this.emit(id, writer, state);
    } catch (error) {
      this.options.logger.warn(`${this.options.noun} ${id} could not be reread: ${String(error)}`);
    }
  }

  private async pollAll(): Promise<void> {
    await Promise.all([...this.watchers.keys()].map((id) => this.refresh(id)));
  }

  private emit(id: string, writer: StreamWriter<D>, event: UnsequencedEventOf<D>): void {
    if (isTerminalEvent(event)) this.remove(id, writer);
    writer.emit(event);
  }

  private add(id: string, writer: StreamWriter<D>): void {
    let writers = this.watchers.get(id);
    if (!writers) this.watchers.set(id, (writers = new Set()));
    writers.add(writer);
    this.listen();
  }

  private remove(id: string, writer: StreamWriter<D>): void {
    const writers = this.watchers.get(id);
    writers?.delete(writer);
    if (writers?.size === 0) this.watchers.delete(id);
    if (this.watchers.size === 0) this.stopListening();
  }

  private listen(): void {
    if (this.listening || this.stopped) return;
    const subscription = this.bus.subscribeEvent(this.options.progress, (event) => this.progressed(event));
    // A round trip that ends once the server has the subscription.
    const ready = this.bus.connection.flush().catch((error: unknown) => {
      this.options.logger.warn(`${this.options.noun} progress: subscribing not confirmed: ${String(error)}`);
    });
    this.listening = { subscription, ready };
  }

  private stopListening(): void {
    this.listening?.subscription.unsubscribe();
    this.listening = null;
  }
}
