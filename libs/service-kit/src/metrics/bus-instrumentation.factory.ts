import type { Logger } from 'pino';
import { BusInstrumentation, combineBusInstrumentations, OtelBusInstrumentation } from '@conduit/bus';
import { BusLogging } from '../telemetry/bus-logging';
import { BusMetrics } from './bus-metrics';
import type { ServiceMetrics } from './service-metrics';

/**
 * The bus hooks of a service: OpenTelemetry spans and context propagation (first, so the others run
 * inside its spans), then its metrics and debug logging where it has them.
 */
export function busInstrumentationFor(
  clientName: string,
  metrics?: ServiceMetrics,
  logger?: Logger,
): BusInstrumentation {
  return combineBusInstrumentations(
    new OtelBusInstrumentation(clientName),
    ...(metrics ? [new BusMetrics(metrics)] : []),
    ...(logger ? [new BusLogging(logger)] : []),
  );
}
