import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'nats';
import type { Bus } from '@conduit/bus';
import type { EventDef, PayloadOf } from '@conduit/contracts';

/** Why running work (a job, a batch) was stopped: its owner cancelled it, or this process is shutting down. */
export class WorkStopped extends Error {
  constructor(readonly why: 'cancelled' | 'shutdown') {
    super(why === 'cancelled' ? 'cancelled by its owner' : 'the worker is shutting down');
    this.name = 'WorkStopped';
  }
}

/**
 * The work of one kind this replica is running (jobs, batches), by id, each with the signal that stops
 * it: a cancel (an event heard by every replica, acted on by the one running the work) or the process
 * shutting down.
 */
export abstract class RunningWork<E extends EventDef>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private subscription: Subscription | null = null;

  protected constructor(
    private readonly bus: Bus,
    private readonly cancelled: E,
    private readonly idOf: (cancel: PayloadOf<E>) => string,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribeEvent(this.cancelled, (cancel) => {
      this.running.get(this.idOf(cancel))?.controller.abort(new WorkStopped('cancelled'));
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * The run of `id` in progress here, if any: work delivered again while this replica still runs it
   * (its acknowledgement deadline passed under load) waits for that run instead of doing it twice.
   */
  inProgress(id: string): Promise<unknown> | null {
    return this.running.get(id)?.done ?? null;
  }

  /** Runs `work` with its stop signal. */
  async run<T>(id: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const done = work(controller.signal);
    this.running.set(id, { controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.running.delete(id);
    }
  }

  /** Stops everything running; its deliveries go back to the stream for another replica. */
  stopAll(): void {
    for (const { controller } of this.running.values()) controller.abort(new WorkStopped('shutdown'));
  }
}
