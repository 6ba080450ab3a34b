import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AGENT_LIMIT_BOUNDS, ErrorCode } from '@conduit/contracts';
import { RunRepository } from './run.repository';

/** A run still going this long after its start outlived every wall-time limit an agent may have. */
export const ABANDONED_AFTER_MS = AGENT_LIMIT_BOUNDS.wallTimeMs.max + 60_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * Finds runs left `running` by a replica that died (no run lives past the largest wall-time limit; the
 * client of such a run was told already, by its stream going quiet) and stores them as failed, keeping
 * the transcript saved so far. Every replica runs it; the update is the same whoever wins.
 */
@Injectable()
export class AbandonedRunsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AbandonedRunsSweeper.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly runs: RunRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(now = Date.now()): Promise<string[]> {
    try {
      const failed = await this.runs.failAbandoned(new Date(now - ABANDONED_AFTER_MS), {
        code: ErrorCode.StreamLost,
        message: 'The run was interrupted: the service running it stopped',
      });
      if (failed.length > 0) this.logger.warn(`stored ${failed.length} abandoned run(s) as failed`);
      return failed;
    } catch (error) {
      this.logger.error(`abandoned runs sweep failed: ${String(error)}`);
      return [];
    }
  }
}
