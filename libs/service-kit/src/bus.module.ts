import { DynamicModule, Global, Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { Bus, BusOptions } from '@conduit/bus';
import { BusConfig } from './config';
import { busLoggerFrom } from './logger';
import { busInstrumentationFor } from './metrics/bus-instrumentation.factory';
import { SERVICE_LOGGER } from './metrics/observability.module';
import { ServiceMetrics } from './metrics/service-metrics';

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
      providers: [
        {
          provide: Bus,
          // Traced always (a no-op without the SDK); metrics and logs where the service has them.
          useFactory: (metrics?: ServiceMetrics, logger?: Logger) => {
            const busLogger = logger?.child({ component: 'bus' });
            return Bus.connect({
              instrumentation: busInstrumentationFor(options.name, metrics, busLogger),
              ...(busLogger ? { logger: busLoggerFrom(busLogger) } : {}),
              ...options,
            });
          },
          inject: [
            { token: ServiceMetrics, optional: true },
            { token: SERVICE_LOGGER, optional: true },
          ],
        },
        BusCloser,
      ],
      exports: [Bus],
    };
  }
}
