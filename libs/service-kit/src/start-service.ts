import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { Bus, BusTransport } from '@conduit/bus';
import { EventDef, RequestDef } from '@conduit/contracts';
import { drainUnreadBodies } from './http/body-drain';
import type { TrustProxy } from './http/trust-proxy';
import { PinoNestLogger } from './logger';
import { instrumentHttpServer } from './metrics/http-metrics';
import { JetStreamConsumerRef, JetStreamLagCollector } from './metrics/jetstream-lag.collector';
import { observedServiceModule } from './metrics/observability.module';
import { ServiceMetrics } from './metrics/service-metrics';
import { ShutdownCoordinator, ShutdownOptions } from './shutdown-coordinator';

const DEFAULT_BODY_DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export interface StartServiceOptions {
  name: string;
  module: DynamicModule | Type<unknown>;
  host: string;
  port: number;
  logger: Logger;
  /** Contracts this service answers; omit for a process that only calls others (the gateway). */
  contracts?: readonly (RequestDef | EventDef)[];
  bodyLimitBytes?: number;
  /** How much of a refused body is read and discarded so the answer reaches its client (see drainUnreadBodies). */
  bodyDrainLimitBytes?: number;
  /** Peers whose X-Forwarded-* headers name the client (TRUST_PROXY); none when omitted. */
  trustProxy?: TrustProxy;
  /** SIGTERM handling: grace period (SHUTDOWN_GRACE_MS), and whether to stop listening at once (the edge). */
  shutdown?: ShutdownOptions;
  /** Durable JetStream consumers this service owns, whose lag `/metrics` reports. */
  jetstreamConsumers?: readonly JetStreamConsumerRef[];
  /** Lets the caller touch the app before it listens (HTTP hooks, WebSocket servers). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

/** Boots a service: Fastify HTTP for probes and metrics, the bus transport for its handlers, shutdown hooks. */
export async function startService(options: StartServiceOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    trustProxy: options.trustProxy ?? false,
    forceCloseConnections: 'idle',
  });
  const metrics = new ServiceMetrics(options.name);
  instrumentHttpServer(adapter.getInstance(), metrics, options.logger);
  drainUnreadBodies(adapter.getInstance(), options.bodyDrainLimitBytes ?? DEFAULT_BODY_DRAIN_LIMIT_BYTES);
  const module = observedServiceModule(options.module, metrics, options.logger);
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new PinoNestLogger(options.logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  // Not Nest's enableShutdownHooks: its hooks wait for work in flight while the transport still takes more.
  app.get(ShutdownCoordinator).attach(app, options.shutdown).exitOnSignals();
  if (options.contracts) {
    const bus = app.get(Bus);
    app.connectMicroservice(
      { strategy: new BusTransport(bus, { queue: options.name, contracts: options.contracts }) },
      { inheritAppConfig: false },
    );
    await app.startAllMicroservices();
  }
  if (options.jetstreamConsumers?.length) {
    new JetStreamLagCollector(app.get(Bus), options.jetstreamConsumers).register(metrics);
  }
  await options.configure?.(app);
  await app.listen(options.port, options.host);
  options.logger.info({ port: listeningPort(app) }, `${options.name} started`);
  return app;
}

export function listeningPort(app: INestApplication): number {
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : 0;
}
