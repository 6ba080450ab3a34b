import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MEDIA_GEN_BATCH_WORKER_CONSUMER, MediaBatchContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { WorkConsumer } from '../running/work-consumer';
import { BatchRunner } from './batch-runner';
import { RunningBatches } from './running-batches';

/**
 * Runs accepted batches, up to MEDIA_BATCH_WORKER_CONCURRENCY at once (see {@link WorkConsumer}); a batch
 * delivered again after its worker died resumes where it was.
 */
@Injectable()
export class BatchWorker extends WorkConsumer<typeof MediaBatchContract.batchAccepted> {
  constructor(
    bus: Bus,
    runner: BatchRunner,
    running: RunningBatches,
    @InjectConfig() config: MediaGenConfig,
  ) {
    super(bus, config, running, {
      accepted: MediaBatchContract.batchAccepted,
      consumer: MEDIA_GEN_BATCH_WORKER_CONSUMER,
      concurrency: config.MEDIA_BATCH_WORKER_CONCURRENCY,
      runner,
    });
  }
}
