import { DynamicModule, INestApplication, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus, BusTransport } from '@conduit/bus';
import { EventDef, RequestDef } from '@conduit/contracts';
import { BusModule, busOptionsFrom } from './bus.module';
import type { ServiceConfig } from './config';
import { HealthModule } from './health.module';
import { drainUnreadBodies } from './http/body-drain';
import type { TrustProxy } from './http/trust-proxy';
import { createLogger, PinoNestLogger } from './logger';
import { instrumentHttpServer } from './metrics/http-metrics';
import { JetStreamConsumerRef, JetStreamLagCollector } from './metrics/jetstream-lag.collector';
import { MetricsServer } from './metrics/metrics-server';
import { ObservabilityModule } from './metrics/observability.module';
import { ServiceMetrics } from './metrics/service-metrics';
import { ServiceConfigModule } from './service-config';
import { ShutdownCoordinator } from './shutdown-coordinator';

const DEFAULT_BODY_DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * What every service's config has: the kit's {@link ServiceConfig}, the port it listens on, and the
 * port `/metrics` is served on (each service its own default, so several can share a host).
 */
export type StartableConfig = ServiceConfig & { PORT: number; METRICS_PORT: number };

export interface StartServiceOptions<C extends StartableConfig = StartableConfig> {
  /** The service's name: NATS queue group, logs' and metrics' `service`, default database schema. */
  service: string;
  /** The parsed config; injectable everywhere with `@InjectConfig()`. */
  config: C;
  /** The service's own module: its features. Bus, health, config, logs and metrics come with the kit. */
  module: DynamicModule | Type<unknown>;
  /** Contracts this service answers; omit for a process that only calls others (the gateway). */
  contracts?: readonly (RequestDef | EventDef)[];
  bodyLimitBytes?: number;
  /** How much of a refused body is read and discarded so the answer reaches its client (see drainUnreadBodies). */
  bodyDrainLimitBytes?: number;
  /** Peers whose X-Forwarded-* headers name the client (TRUST_PROXY); none when omitted. */
  trustProxy?: TrustProxy;
  /**
   * On SIGTERM, stop listening for HTTP connections at once (the edge: its endpoint is already gone from
   * the load balancer). Internal services keep answering probes, with /readyz at 503, while they drain.
   */
  stopListeningOnShutdown?: boolean;
  /** Durable JetStream consumers this service owns, whose lag `/metrics` reports. */
  jetstreamConsumers?: readonly JetStreamConsumerRef[];
  /** Lets the caller touch the app before it listens (HTTP hooks, WebSocket servers). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

@Module({})
class ServiceRootModule {}

/**
 * Boots a service: Fastify HTTP for probes (and the gateway's API), `/metrics` on METRICS_PORT, the bus transport for its handlers, graceful
 * shutdown. Does not install signal handlers ({@link runService} does), so tests can start many.
 */
export async function startService<C extends StartableConfig>(
  options: StartServiceOptions<C>,
): Promise<NestFastifyApplication> {
  const { service, config } = options;
  const logger = createLogger(service, config.LOG_LEVEL);
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    trustProxy: options.trustProxy ?? false,
    forceCloseConnections: 'idle',
  });
  const metrics = new ServiceMetrics(service);
  instrumentHttpServer(adapter.getInstance(), metrics, logger);
  drainUnreadBodies(adapter.getInstance(), options.bodyDrainLimitBytes ?? DEFAULT_BODY_DRAIN_LIMIT_BYTES);
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [
      ObservabilityModule.forService(metrics, logger),
      ServiceConfigModule.forService(service, config),
      BusModule.forRoot(busOptionsFrom(config, service)),
      HealthModule,
      options.module,
    ],
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  // Not Nest's enableShutdownHooks: its hooks wait for work in flight while the transport still takes more.
  app.get(ShutdownCoordinator).attach(app, {
    graceMs: config.SHUTDOWN_GRACE_MS,
    stopListening: options.stopListeningOnShutdown ?? false,
  });
  if (options.contracts) {
    const bus = app.get(Bus);
    app.connectMicroservice(
      { strategy: new BusTransport(bus, { queue: service, contracts: options.contracts }) },
      { inheritAppConfig: false },
    );
    await app.startAllMicroservices();
  }
  if (options.jetstreamConsumers?.length) {
    new JetStreamLagCollector(app.get(Bus), options.jetstreamConsumers).register(metrics);
  }
  await options.configure?.(app);
  await app.get(MetricsServer).listen(config.METRICS_PORT, config.HOST);
  await app.listen(config.PORT, config.HOST);
  return app;
}

export function listeningPort(app: INestApplication): number {
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** The port the service's `/metrics` listens on (METRICS_PORT, or the one taken for 0). */
export function listeningMetricsPort(app: INestApplication): number {
  return app.get(MetricsServer).port;
}
