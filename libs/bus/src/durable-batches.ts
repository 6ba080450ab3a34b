import type { EventDef } from '@conduit/contracts';
import type { Bus } from './bus';
import { DurableWorker, type DurableDelivery, type DurableWorkerOptions } from './durable-worker';

export interface DurableBatchOptions {
  /** Most events handed over at once. */
  maxBatch: number;
  /** Once one event is in hand, how long to wait for more to join its batch. */
  lingerMs: number;
  /** How long JetStream waits for an acknowledgement; extended while a batch is being handled. */
  ackWaitMs: number;
  retryDelayMs: (attempt: number) => number;
  /** Whether an acknowledgement waits for JetStream's confirmation (see the worker's option). */
  confirmAcks?: DurableWorkerOptions<EventDef>['confirmAcks'];
}

export interface DurableBatchConsumption {
  /** Takes no more events, waits for the batch in hand and gives back the ones fetched ahead. */
  stop(): Promise<void>;
}

/** One batch at a time through a `DurableWorker` (see there for what is settled when). */
export async function consumeDurableEventBatches<D extends EventDef>(
  bus: Bus,
  def: D,
  consumerName: string,
  handler: (batch: DurableDelivery<D>[]) => Promise<void>,
  options: DurableBatchOptions,
): Promise<DurableBatchConsumption> {
  return DurableWorker.inBatches(bus, def, { ...options, consumer: consumerName, concurrency: 1 }, handler);
}
