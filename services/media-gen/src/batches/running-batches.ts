import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'nats';
import { Bus } from '@conduit/bus';
import { MediaBatchContract } from '@conduit/contracts';
import { BatchStopped } from './batch-stopped';

/**
 * The batches this replica is running, each with the signal that stops it: a cancel (heard by every
 * replica, acted on by the one running the batch) or the process shutting down.
 */
@Injectable()
export class RunningBatches implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private subscription: Subscription | null = null;

  constructor(private readonly bus: Bus) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribeEvent(MediaBatchContract.batchCancelled, ({ batchId }) => {
      this.running.get(batchId)?.controller.abort(new BatchStopped('cancelled'));
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /** The run of `batchId` in progress here, if any (its message delivered again while it runs). */
  inProgress(batchId: string): Promise<unknown> | null {
    return this.running.get(batchId)?.done ?? null;
  }

  async run<T>(batchId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const done = work(controller.signal);
    this.running.set(batchId, { controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.running.delete(batchId);
    }
  }

  /** Stops every running batch; their messages go back to the stream for another replica. */
  stopAll(): void {
    for (const { controller } of this.running.values()) controller.abort(new BatchStopped('shutdown'));
  }
}
