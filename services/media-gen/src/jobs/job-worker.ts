import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MEDIA_GEN_WORKER_CONSUMER, MediaGenContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { WorkConsumer } from '../running/work-consumer';
import { JobRunner } from './job-runner';
import { RunningJobs } from './running-jobs';

/** Runs accepted jobs, up to MEDIA_WORKER_CONCURRENCY at once (see {@link WorkConsumer}). */
@Injectable()
export class JobWorker extends WorkConsumer<typeof MediaGenContract.jobAccepted> {
  constructor(bus: Bus, runner: JobRunner, running: RunningJobs, @InjectConfig() config: MediaGenConfig) {
    super(bus, config, running, {
      accepted: MediaGenContract.jobAccepted,
      consumer: MEDIA_GEN_WORKER_CONSUMER,
      concurrency: config.MEDIA_WORKER_CONCURRENCY,
      runner,
      // A job's outcome is in Postgres before its delivery is acknowledged, and a delivery of a finished
      // job is acknowledged at once: a lost acknowledgement costs one more delivery, not a second run.
      confirmAcks: false,
    });
  }
}
