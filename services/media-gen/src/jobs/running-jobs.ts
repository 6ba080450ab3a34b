import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { MediaGenContract } from '@conduit/contracts';
import { RunningWork } from '../running/running-work';

/** The jobs this replica is running, each stopped by its owner's cancel or by shutdown. */
@Injectable()
export class RunningJobs extends RunningWork<typeof MediaGenContract.jobCancelled> {
  constructor(bus: Bus) {
    super(bus, MediaGenContract.jobCancelled, ({ jobId }) => jobId);
  }
}
