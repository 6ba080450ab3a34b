import { AckPolicy, DeliverPolicy, type JsMsg } from 'nats';
import type { Envelope, EventDef, PayloadOf } from '@conduit/contracts';
import type { Bus } from './bus';
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

export interface DurableBatchOptions {
  /** Most events handed over at once. */
  maxBatch: number;
  /** Once one event is in hand, how long to wait for more to join its batch. */
  lingerMs: number;
  /** How long JetStream waits for an acknowledgement; extended while a batch is being handled. */
  ackWaitMs: number;
  retryDelayMs: (attempt: number) => number;
}

export interface DurableBatchConsumption {
  /** Takes no more events, waits for the batch in hand and gives back the ones fetched ahead. */
  stop(): Promise<void>;
}

/**
 * Consumes a durable event in batches through a durable JetStream pull consumer shared by every replica
 * (created if missing), so a handler can do one expensive pass (an embedding call, one store write) for
 * many events. The handler settles each delivery; whatever it leaves unsettled, or everything when it
 * throws, is delivered again after `retryDelayMs`. Events that do not fit their contract are dropped
 * for good (logged). While a batch is handled, its events' acknowledgement deadlines are extended.
 */
export async function consumeDurableEventBatches<D extends EventDef>(
  bus: Bus,
  def: D,
  consumerName: string,
  handler: (batch: DurableDelivery<D>[]) => Promise<void>,
  options: DurableBatchOptions,
): Promise<DurableBatchConsumption> {
  if (!def.durable) throw new Error(`${def.subject} is not a durable event`);
  const stream = bus.streamName(def.durable.stream);
  const manager = await bus.connection.jetstreamManager();
  const config = {
    durable_name: consumerName,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: bus.subject(def.subject),
    ack_wait: options.ackWaitMs * 1e6,
    max_ack_pending: Math.max(1_000, options.maxBatch * 4),
  };
  await manager.consumers.info(stream, consumerName).then(
    () => manager.consumers.update(stream, consumerName, { ack_wait: config.ack_wait }),
    () => manager.consumers.add(stream, config),
  );
  const consumer = await bus.connection.jetstream().consumers.get(stream, consumerName);
  const messages = await consumer.consume({ max_messages: options.maxBatch });
  const iterator = messages[Symbol.asyncIterator]();
  let stopped = false;

  const deliveryOf = (message: JsMsg): DurableDelivery<D> | null => {
    const envelope = envelopeFromHeaders(message.headers);
    let body: unknown;
    try {
      body = decodeJson(message.data);
    } catch {
      body = undefined;
    }
    const parsed = def.payload.safeParse(body);
    if (!parsed.success) {
      bus.logger.error('dropped a durable event that does not fit its contract', {
        subject: def.subject,
        messageId: envelope.messageId,
      });
      message.term();
      return null;
    }
    let settled = false;
    const attempt = message.info.deliveryCount;
    return {
      payload: parsed.data as PayloadOf<D>,
      envelope,
      attempt,
      ack: async () => {
        if (settled) return;
        settled = true;
        await message.ackAck();
      },
      retry: (delayMs?: number) => {
        if (settled) return;
        settled = true;
        message.nak(delayMs ?? options.retryDelayMs(attempt));
      },
    };
  };

  const handle = async (batch: JsMsg[]): Promise<void> => {
    const deliveries = batch.flatMap((message) => {
      const delivery = deliveryOf(message);
      return delivery ? [delivery] : [];
    });
    if (deliveries.length === 0) return;
    const keepAlive = setInterval(
      () => batch.forEach((message) => message.working()),
      Math.max(100, Math.floor(options.ackWaitMs / 3)),
    );
    try {
      await handler(deliveries);
    } catch (error) {
      bus.logger.warn('a durable batch handler failed; its events will be delivered again', {
        subject: def.subject,
        error: String(error),
      });
    } finally {
      clearInterval(keepAlive);
      deliveries.forEach((delivery) => delivery.retry());
    }
  };

  const done = (async () => {
    let waiting: Promise<IteratorResult<JsMsg>> | null = null;
    for (;;) {
      const first = await (waiting ?? iterator.next());
      waiting = null;
      if (first.done) return;
      if (stopped) {
        // Fetched ahead but not started: back to the stream at once, for another replica or the next start.
        first.value.nak();
        continue;
      }
      const batch = [first.value];
      const deadline = Date.now() + options.lingerMs;
      while (batch.length < options.maxBatch) {
        waiting = iterator.next();
        const next = await Promise.race([waiting, delay(deadline - Date.now())]);
        if (next === null) break;
        waiting = null;
        if (next.done) {
          await handle(batch);
          return;
        }
        batch.push(next.value);
      }
      await handle(batch);
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      await messages.close().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}

function delay(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), Math.max(0, ms)));
}
