import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MediaBatchContract } from '@conduit/contracts';
import { RunningWork } from '../running/running-work';

/** The batches this replica is running, each stopped by its owner's cancel or by shutdown. */
@Injectable()
export class RunningBatches extends RunningWork<typeof MediaBatchContract.batchCancelled> {
  constructor(bus: Bus) {
    super(bus, MediaBatchContract.batchCancelled, ({ batchId }) => batchId);
  }
}
