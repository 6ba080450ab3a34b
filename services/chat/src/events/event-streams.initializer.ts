import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { ChatContract, durableEventsOf } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { ChatConfig } from '../config';

/**
 * Makes sure, before anything is published, that the JetStream streams exist: the one behind chat's
 * durable events, and the one keeping recent completion events so that clients can resume.
 */
@Injectable()
export class EventStreamsInitializer implements OnApplicationBootstrap {
  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: ChatConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureEventStreams(durableEventsOf(ChatContract));
    await this.bus.ensureStreamRetention([ChatContract.completionStream], {
      maxAgeMs: this.config.STREAM_RETENTION_MS,
      maxBytes: this.config.STREAM_RETENTION_MAX_BYTES,
    });
  }
}
