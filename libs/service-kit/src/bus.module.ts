import { DynamicModule, Global, Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { Bus, BusOptions } from '@conduit/bus';
import { BusConfig } from './config';

export function busOptionsFrom(config: BusConfig, name: string): BusOptions {
  return {
    url: config.NATS_URL,
    name,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
    ...(config.NATS_USER ? { user: config.NATS_USER } : {}),
    ...(config.NATS_PASSWORD ? { password: config.NATS_PASSWORD } : {}),
    requestTimeoutMs: config.BUS_REQUEST_TIMEOUT_MS,
    streamHeartbeatMs: config.STREAM_HEARTBEAT_MS,
    streamIdleTimeoutMs: config.STREAM_IDLE_TIMEOUT_MS,
  };
}

class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.drain().catch(() => this.bus.close());
  }
}

/** Provides the connected {@link Bus} to the whole application and drains it on shutdown. */
@Global()
@Module({})
export class BusModule {
  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      providers: [{ provide: Bus, useFactory: () => Bus.connect(options) }, BusCloser],
      exports: [Bus],
    };
  }
}
