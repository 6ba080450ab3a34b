import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { currentTracing } from '../telemetry/tracing';
import { MetricsServer } from './metrics-server';
import { ServiceMetrics } from './service-metrics';

/** The service's root pino logger (what `startService` was given). */
export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');

/** Exports the spans still buffered when the application closes (the process exits right after). */
class SpanFlusher implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await currentTracing()
      ?.flush()
      .catch(() => undefined);
  }
}

/** Makes the service's {@link ServiceMetrics} and logger injectable everywhere (the bus uses both). */
@Global()
@Module({})
export class ObservabilityModule {
  static forService(metrics: ServiceMetrics, logger: Logger): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [
        { provide: ServiceMetrics, useValue: metrics },
        { provide: SERVICE_LOGGER, useValue: logger },
        SpanFlusher,
        MetricsServer,
      ],
      exports: [ServiceMetrics, SERVICE_LOGGER, MetricsServer],
    };
  }
}
