import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { AgentsContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { AgentsConfig } from '../config';

/** Makes sure the JetStream stream keeping recent run events exists, so clients can resume a run's stream. */
@Injectable()
export class RunStreamsInitializer implements OnApplicationBootstrap {
  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: AgentsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureStreamRetention([AgentsContract.runStream], {
      maxAgeMs: this.config.STREAM_RETENTION_MS,
      maxBytes: this.config.STREAM_RETENTION_MAX_BYTES,
    });
  }
}
