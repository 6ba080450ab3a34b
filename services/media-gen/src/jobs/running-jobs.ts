import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'nats';
import { Bus } from '@conduit/bus';
import { MediaGenContract } from '@conduit/contracts';

/** Why a running job was stopped: its owner cancelled it, or this process is shutting down. */
export class JobStopped extends Error {
  constructor(readonly why: 'cancelled' | 'shutdown') {
    super(why === 'cancelled' ? 'cancelled by its owner' : 'the worker is shutting down');
    this.name = 'JobStopped';
  }
}

/**
 * The jobs this replica is running, each with the signal that stops it: a cancel (heard by every replica,
 * acted on by the one running the job) or the process shutting down.
 */
@Injectable()
export class RunningJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private subscription: Subscription | null = null;

  constructor(private readonly bus: Bus) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribeEvent(MediaGenContract.jobCancelled, ({ jobId }) => {
      this.running.get(jobId)?.controller.abort(new JobStopped('cancelled'));
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * The run of `jobId` in progress here, if any: a job delivered again while this replica still runs it
   * (its acknowledgement deadline passed under load) waits for that run instead of calling the provider twice.
   */
  inProgress(jobId: string): Promise<unknown> | null {
    return this.running.get(jobId)?.done ?? null;
  }

  /** Runs `work` with the job's stop signal. */
  async run<T>(jobId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const done = work(controller.signal);
    this.running.set(jobId, { controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.running.delete(jobId);
    }
  }

  /** Stops every running job; their deliveries go back to the stream for another replica. */
  stopAll(): void {
    for (const { controller } of this.running.values()) controller.abort(new JobStopped('shutdown'));
  }
}
