import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MediaGenContract, type CallerContext, type JobProgressedEvent } from '@conduit/contracts';

/**
 * Tells every replica where a job stands (for the job streams they produce) and asks the one running it
 * to stop. Plain NATS: a lost message costs a stream at most one poll interval (see JobWatchService).
 */
@Injectable()
export class JobEvents {
  private readonly logger = new Logger(JobEvents.name);

  constructor(private readonly bus: Bus) {}

  progressed(owner: CallerContext, event: JobProgressedEvent): void {
    this.bus
      .publish(MediaGenContract.jobProgressed, event, owner)
      .catch((error: unknown) => this.logger.warn(`job ${event.jobId} progress not sent: ${String(error)}`));
  }

  cancelled(owner: CallerContext, jobId: string): void {
    this.bus
      .publish(MediaGenContract.jobCancelled, { jobId }, owner)
      .catch((error: unknown) => this.logger.warn(`job ${jobId} cancel not sent: ${String(error)}`));
  }
}
