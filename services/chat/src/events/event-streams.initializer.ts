import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { ChatContract, durableEventsOf } from '@conduit/contracts';

/** Makes sure the JetStream streams behind chat's durable events exist before anything is published. */
@Injectable()
export class EventStreamsInitializer implements OnApplicationBootstrap {
  constructor(private readonly bus: Bus) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureEventStreams(durableEventsOf(ChatContract));
  }
}
