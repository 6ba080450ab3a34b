import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectConfig, ShutdownCoordinator, waitUntil } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import type { CompletionStreamWriter } from './completion-runner';

/**
 * Generations this replica is producing. On shutdown, once the bus has stopped taking new requests
 * (see {@link ShutdownCoordinator}), they get the grace period to finish; whatever still runs then is
 * stopped and saved as interrupted, and its client told so.
 */
@Injectable()
export class InFlightGenerations implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InFlightGenerations.name);
  private readonly running = new Map<CompletionStreamWriter, Promise<void>>();

  constructor(
    @InjectConfig() private readonly config: ChatConfig,
    shutdown: ShutdownCoordinator,
  ) {
    shutdown.register('generations', { drain: (deadline) => this.drain(deadline) });
  }

  get size(): number {
    return this.running.size;
  }

  track(writer: CompletionStreamWriter, generation: Promise<void>): void {
    const settled = generation
      .catch((error: unknown) => this.logger.error(`generation ${writer.streamId} failed: ${String(error)}`))
      .finally(() => this.running.delete(writer));
    this.running.set(writer, settled);
  }

  /** Waits for every generation until `deadline`, then stops the rest and waits for them to be saved. */
  async drain(deadline: number): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.log(`waiting for ${this.running.size} generation(s) to finish`);
    if (await waitUntil(() => this.running.size === 0, deadline)) return;
    this.logger.warn(`stopping ${this.running.size} generation(s) at the end of the grace period`);
    for (const writer of this.running.keys()) writer.abort('shutdown');
    await Promise.all(this.running.values());
  }

  /** For a plain `app.close()` (tests); a signal has drained everything before this runs. */
  beforeApplicationShutdown(): Promise<void> {
    return this.drain(Date.now() + this.config.SHUTDOWN_GRACE_MS);
  }
}
