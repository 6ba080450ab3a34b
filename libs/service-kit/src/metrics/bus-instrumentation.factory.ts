import type { Logger } from 'pino';
import { BusInstrumentation, combineBusInstrumentations, OtelBusInstrumentation } from '@conduit/bus';
import { currentTracing } from '../telemetry/tracing';
import { BusLogging } from '../telemetry/bus-logging';
import { BusMetrics } from './bus-metrics';
import type { ServiceMetrics } from './service-metrics';

/**
 * The bus hooks of a service: OpenTelemetry spans and context propagation (first, so the others run
 * inside its spans), then its metrics and debug logging where it has them. Spans only while tracing runs
 * (see `startTracing`, which every service starts before anything else) and debug lines only from a
 * logger at debug level when the bus is made: without them each would cost every message work that
 * ends in nothing (no-op spans, lines not written).
 */
export function busInstrumentationFor(
  clientName: string,
  metrics?: ServiceMetrics,
  logger?: Logger,
): BusInstrumentation {
  return combineBusInstrumentations(
    ...(currentTracing()?.enabled ? [new OtelBusInstrumentation(clientName)] : []),
    ...(metrics ? [new BusMetrics(metrics)] : []),
    ...(logger?.isLevelEnabled('debug') ? [new BusLogging(logger)] : []),
  );
}
