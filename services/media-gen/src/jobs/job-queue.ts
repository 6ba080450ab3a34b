import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MediaGenContract, type CallerContext } from '@conduit/contracts';

/**
 * The durable job stream: one JetStream message per job, stored before the job's acceptance is answered.
 * It names the job only; the input stays in Postgres. The message id is the job id, so sending it again
 * (a retried create) stores it once.
 */
@Injectable()
export class JobQueue implements OnModuleInit {
  constructor(private readonly bus: Bus) {}

  async onModuleInit(): Promise<void> {
    await this.bus.ensureEventStreams([MediaGenContract.jobAccepted]);
  }

  async enqueue(owner: CallerContext, jobId: string): Promise<void> {
    await this.bus.publish(MediaGenContract.jobAccepted, { jobId }, owner, { messageId: jobId });
  }
}
