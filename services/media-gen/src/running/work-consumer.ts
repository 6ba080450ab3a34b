import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DurableWorker, type Bus, type DurableDelivery, type DurableWorkerOptions } from '@conduit/bus';
import type { EventDef } from '@conduit/contracts';
import type { MediaGenConfig } from '../config';

/** What handles one kind of work's deliveries. */
export interface WorkRunner<E extends EventDef> {
  run(delivery: DurableDelivery<E>): Promise<void>;
  /** Records the failure for good once the deliveries are spent. */
  giveUp(delivery: DurableDelivery<E>): Promise<void>;
}

/** The pause before delivery `attempt + 1` of work that failed: doubling from the base, up to the maximum. */
export function retryBackoffMs(config: MediaGenConfig, attempt: number): number {
  const { MEDIA_JOB_RETRY_BASE_MS: base, MEDIA_JOB_RETRY_MAX_MS: max } = config;
  return Math.min(max, base * 2 ** Math.min(attempt - 1, 20));
}

/**
 * Takes accepted work of one kind (jobs, batches) from its durable stream through the pull consumer every
 * replica shares, up to `concurrency` at once (a slot is taken again as soon as a run ends), each
 * acknowledged only once its outcome is stored. Work whose worker dies is delivered again once its
 * acknowledgement deadline passes; past MEDIA_JOB_MAX_ATTEMPTS deliveries it fails for good. Nothing is
 * taken where MEDIA_WORKER_ENABLED is off.
 */
export abstract class WorkConsumer<E extends EventDef>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private worker: DurableWorker<E> | null = null;

  protected constructor(
    private readonly bus: Bus,
    private readonly config: MediaGenConfig,
    /** The runs of this kind of work (a `RunningWork`), stopped first at shutdown. */
    private readonly running: { stopAll(): void },
    private readonly work: {
      accepted: E;
      consumer: string;
      concurrency: number;
      runner: WorkRunner<E>;
      /** On unless the runner's outcome is stored before it acknowledges (see the option's own note). */
      confirmAcks?: DurableWorkerOptions<E>['confirmAcks'];
    },
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MEDIA_WORKER_ENABLED) return;
    const { accepted, consumer, concurrency, runner, confirmAcks = true } = this.work;
    this.worker = await DurableWorker.each(
      this.bus,
      accepted,
      {
        consumer,
        concurrency,
        ackWaitMs: this.config.MEDIA_JOB_ACK_WAIT_MS,
        retryDelayMs: (attempt) => retryBackoffMs(this.config, attempt),
        maxAttempts: this.config.MEDIA_JOB_MAX_ATTEMPTS,
        confirmAcks,
        onExhausted: (delivery) => runner.giveUp(delivery),
      },
      (delivery) => runner.run(delivery),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Running work goes back to the stream at once (retry without delay), for another replica to take.
    this.running.stopAll();
    await this.worker?.stop();
  }
}
