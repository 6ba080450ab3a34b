import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MediaBatchContract, type CallerContext } from '@conduit/contracts';

/**
 * The durable batch stream: one JetStream message per batch, stored before its acceptance is answered
 * and acknowledged only once the batch is final. The message id is the batch id, so it is stored once.
 */
@Injectable()
export class BatchQueue implements OnModuleInit {
  constructor(private readonly bus: Bus) {}

  async onModuleInit(): Promise<void> {
    await this.bus.ensureEventStreams([MediaBatchContract.batchAccepted]);
  }

  async enqueue(owner: CallerContext, batchId: string): Promise<void> {
    await this.bus.publish(MediaBatchContract.batchAccepted, { batchId }, owner, { messageId: batchId });
  }

  /** Every replica hears it; the one running the batch stops it. */
  async cancelled(owner: CallerContext, batchId: string): Promise<void> {
    await this.bus.publish(MediaBatchContract.batchCancelled, { batchId }, owner);
  }
}
