import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { Envelope, EventDef, PayloadOf } from '@conduit/contracts';
import type { BusLogger } from './bus-logger';
import { decodeJson } from './codec';
import { envelopeFromHeaders } from './envelope-headers';

/** One delivered durable event, settled by whoever handles it; unsettled ones are delivered again. */
export interface DurableDelivery<D extends EventDef> {
  readonly payload: PayloadOf<D>;
  readonly envelope: Envelope;
  /** 1 on the first delivery; a delivery that was never acknowledged (a crash) counts too. */
  readonly attempt: number;
  /** Done with it for good (handled, or given up on with a recorded reason). */
  ack(): Promise<void>;
  /** Deliver it again after `delayMs`, by default `retryDelayMs(attempt)` (a provider's Retry-After, say). */
  retry(delayMs?: number): void;
}

/** What a worker needs of the bus; `Bus` is one. */
export interface DurableWorkerHost {
  readonly connection: NatsConnection;
  readonly logger: BusLogger;
  streamName(stream: string): string;
  subject(name: string): string;
}

export interface DurableWorkerOptions<D extends EventDef> {
  /** The durable consumer's name: every replica binds the same one, and each event goes to one of them. */
  consumer: string;
  /** Deliveries (or, with batches, batches) handled at once by this process. */
  concurrency: number;
  /** How long JetStream waits for an acknowledgement; extended while a delivery is in hand. */
  ackWaitMs: number;
  /** The pause before an unsettled or failed delivery comes back. */
  retryDelayMs: (attempt: number) => number;
  /**
   * Deliveries allowed. A later one (earlier tries never settled: the process died, say) is not handled
   * again but given to `onExhausted`, which records why it ended, and then acknowledged.
   */
  maxAttempts?: number;
  onExhausted?: (delivery: DurableDelivery<D>) => Promise<void>;
  /** Messages pulled ahead of the ones in hand; by default as many as can be in hand at once. */
  prefetch?: number;
  /**
   * Whether `ack()` waits for JetStream to confirm the acknowledgement (a round trip per delivery); on by
   * default. Work whose outcome is stored elsewhere and that acknowledges a delivery of finished work at
   * once may turn it off: an acknowledgement lost on the way only brings the delivery back once.
   */
  confirmAcks?: boolean;
}

export interface DurableBatching {
  /** Most deliveries handed over at once. */
  maxBatch: number;
  /** Once one delivery is in hand, how long to wait for more to join its batch. */
  lingerMs: number;
}

/**
 * Work that must not be lost, taken from a durable event's JetStream stream through a durable pull
 * consumer shared by every replica (created if missing, its acknowledgement deadline kept up to date):
 *
 * - at most `concurrency` deliveries (or batches) in hand at once, each slot refilled as soon as it frees;
 * - the handler settles each delivery: `ack()` once its work is stored, `retry(delayMs?)` to have it
 *   delivered again later; whatever it leaves unsettled, or everything when it throws, comes back after
 *   `retryDelayMs(attempt)`;
 * - while a delivery is in hand its acknowledgement deadline is extended (working), so a long job is not
 *   handed to another replica; a process that dies stops extending it and the job is delivered again;
 * - past `maxAttempts` deliveries, `onExhausted` records the failure and the delivery is acknowledged,
 *   so a poison message ends instead of looping; events that do not fit their contract are dropped (logged);
 * - `stop()` takes no more, gives back what was pulled ahead at once and waits for what is in hand.
 */
export class DurableWorker<D extends EventDef> {
  private stopped = false;
  private readonly inHand = new Set<JsMsg>();
  private readonly running = new Set<Promise<void>>();
  private wakeLoop: (() => void) | null = null;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly loop: Promise<void>;

  /** Hands deliveries over one at a time, up to `concurrency` at once. */
  static async each<D extends EventDef>(
    host: DurableWorkerHost,
    def: D,
    options: DurableWorkerOptions<D>,
    handle: (delivery: DurableDelivery<D>) => Promise<void>,
  ): Promise<DurableWorker<D>> {
    const messages = await openConsumer(host, def, options, 1);
    return new DurableWorker(host, def, options, { maxBatch: 1, lingerMs: 0 }, messages, async (batch) => {
      await handle(batch[0]!);
    });
  }

  /** Hands deliveries over in batches, for handlers that do one expensive pass for many (an embedding call). */
  static async inBatches<D extends EventDef>(
    host: DurableWorkerHost,
    def: D,
    options: DurableWorkerOptions<D> & DurableBatching,
    handle: (batch: DurableDelivery<D>[]) => Promise<void>,
  ): Promise<DurableWorker<D>> {
    const messages = await openConsumer(host, def, options, options.maxBatch);
    return new DurableWorker(host, def, options, options, messages, handle);
  }

  private constructor(
    private readonly host: DurableWorkerHost,
    private readonly def: D,
    private readonly options: DurableWorkerOptions<D>,
    private readonly batching: DurableBatching,
    private readonly messages: ConsumerMessages,
    private readonly handler: (batch: DurableDelivery<D>[]) => Promise<void>,
  ) {
    this.keepAlive = setInterval(
      () => this.inHand.forEach((message) => message.working()),
      Math.max(100, Math.floor(options.ackWaitMs / 3)),
    );
    this.keepAlive.unref();
    this.loop = this.take().catch((error: unknown) => {
      if (!this.stopped) {
        host.logger.error('a durable worker stopped taking work', {
          subject: def.subject,
          consumer: options.consumer,
          error: String(error),
        });
      }
    });
  }

  /** Deliveries in hand right now. */
  get busy(): number {
    return this.inHand.size;
  }

  /** Takes no more, gives back what was pulled ahead and waits for the work in hand to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages.close().catch(() => undefined);
    // A closed connection may leave the pull loop waiting forever: nothing more can come anyway.
    await Promise.race([this.loop, this.host.connection.closed()]);
    await Promise.allSettled([...this.running]);
    clearInterval(this.keepAlive);
  }

  private async take(): Promise<void> {
    const iterator = this.messages[Symbol.asyncIterator]();
    const { maxBatch, lingerMs } = this.batching;
    let waiting: Promise<IteratorResult<JsMsg>> | null = null;
    for (;;) {
      while (this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
      }
      const first = await (waiting ?? iterator.next());
      waiting = null;
      if (first.done) return;
      if (this.stopped) {
        // Pulled ahead but not started: back to the stream at once, for another replica or the next start.
        first.value.nak();
        continue;
      }
      const batch = [first.value];
      const deadline = Date.now() + lingerMs;
      while (batch.length < maxBatch) {
        waiting = iterator.next();
        const next = await Promise.race([waiting, delay(deadline - Date.now())]);
        if (next === null) break;
        waiting = null;
        if (next.done) {
          this.start(batch);
          return;
        }
        batch.push(next.value);
      }
      this.start(batch);
    }
  }

  private start(batch: JsMsg[]): void {
    const task: Promise<void> = this.handle(batch).finally(() => {
      this.running.delete(task);
      const wake = this.wakeLoop;
      this.wakeLoop = null;
      wake?.();
    });
    this.running.add(task);
  }

  private async handle(batch: JsMsg[]): Promise<void> {
    const deliveries = batch.flatMap((message) => {
      const delivery = this.deliveryOf(message);
      return delivery ? [delivery] : [];
    });
    const { maxAttempts, onExhausted } = this.options;
    const exhausted = (delivery: DurableDelivery<D>) =>
      maxAttempts !== undefined && onExhausted !== undefined && delivery.attempt > maxAttempts;
    try {
      for (const delivery of deliveries.filter(exhausted)) {
        await onExhausted!(delivery);
        await delivery.ack();
      }
      const fresh = deliveries.filter((delivery) => !exhausted(delivery));
      if (fresh.length > 0) await this.handler(fresh);
    } catch (error) {
      this.host.logger.warn(
        'a durable event handler failed; what it left unsettled will be delivered again',
        {
          subject: this.def.subject,
          consumer: this.options.consumer,
          error: String(error),
        },
      );
    } finally {
      deliveries.forEach((delivery) => delivery.retry());
    }
  }

  private deliveryOf(message: JsMsg): DurableDelivery<D> | null {
    const envelope = envelopeFromHeaders(message.headers);
    let body: unknown;
    try {
      body = decodeJson(message.data);
    } catch {
      body = undefined;
    }
    const parsed = this.def.payload.safeParse(body);
    if (!parsed.success) {
      this.host.logger.error('dropped a durable event that does not fit its contract', {
        subject: this.def.subject,
        messageId: envelope.messageId,
      });
      message.term();
      return null;
    }
    this.inHand.add(message);
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.inHand.delete(message);
      return true;
    };
    const attempt = message.info.deliveryCount;
    const confirmAcks = this.options.confirmAcks ?? true;
    return {
      payload: parsed.data as PayloadOf<D>,
      envelope,
      attempt,
      ack: async () => {
        if (!settle()) return;
        if (confirmAcks) await message.ackAck();
        else message.ack();
      },
      retry: (delayMs?: number) => {
        if (settle()) message.nak(delayMs ?? this.options.retryDelayMs(attempt));
      },
    };
  }
}

/** Creates the durable consumer if missing (or brings its acknowledgement deadline up to date) and binds it. */
async function openConsumer<D extends EventDef>(
  host: DurableWorkerHost,
  def: D,
  options: DurableWorkerOptions<D>,
  batchSize: number,
): Promise<ConsumerMessages> {
  if (!def.durable) throw new Error(`${def.subject} is not a durable event`);
  if (options.concurrency < 1) throw new Error('a durable worker needs a concurrency of at least 1');
  const stream = host.streamName(def.durable.stream);
  const name = options.consumer;
  const prefetch = options.prefetch ?? options.concurrency * batchSize;
  const settings = {
    ack_wait: options.ackWaitMs * 1e6,
    max_ack_pending: Math.max(1_000, prefetch * 4),
  };
  const manager = await host.connection.jetstreamManager();
  await manager.consumers.info(stream, name).then(
    () => manager.consumers.update(stream, name, settings),
    () =>
      manager.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: host.subject(def.subject),
        ...settings,
      }),
  );
  const consumer = await host.connection.jetstream().consumers.get(stream, name);
  return consumer.consume({ max_messages: prefetch });
}

function delay(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), Math.max(0, ms)));
}
