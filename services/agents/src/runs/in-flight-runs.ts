import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { StreamWriter } from '@conduit/bus';
import type { StreamDef } from '@conduit/contracts';
import { InjectConfig, ShutdownCoordinator, waitUntil } from '@conduit/service-kit';
import type { AgentsConfig } from '../config';

/**
 * Runs this replica is producing. On shutdown, once the bus takes no new requests, they get the grace
 * period to finish; those still going are then cancelled (stored as such, their clients told).
 */
@Injectable()
export class InFlightRuns implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InFlightRuns.name);
  private readonly running = new Map<StreamWriter<StreamDef>, Promise<unknown>>();

  constructor(
    @InjectConfig() private readonly config: AgentsConfig,
    shutdown: ShutdownCoordinator,
  ) {
    shutdown.register('agent-runs', { drain: (deadline) => this.drain(deadline) });
  }

  get size(): number {
    return this.running.size;
  }

  track<D extends StreamDef>(writer: StreamWriter<D>, run: Promise<unknown>): void {
    const key = writer as unknown as StreamWriter<StreamDef>;
    const settled = run
      .catch((error: unknown) => this.logger.error(`run ${writer.streamId} failed: ${String(error)}`))
      .finally(() => this.running.delete(key));
    this.running.set(key, settled);
  }

  async drain(deadline: number): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.log(`waiting for ${this.running.size} run(s) to finish`);
    if (await waitUntil(() => this.running.size === 0, deadline)) return;
    this.logger.warn(`cancelling ${this.running.size} run(s) at the end of the grace period`);
    for (const writer of this.running.keys()) writer.abort('shutdown');
    await Promise.all(this.running.values());
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.drain(Date.now() + this.config.SHUTDOWN_GRACE_MS);
  }
}
