import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import type { BusLogger } from '@conduit/bus';
import { traceContextMixin } from './telemetry/log-trace-context';

/** Keys whose values never reach a log line, wherever they sit in the logged object. */
export const REDACTED_KEYS = [
  'password',
  'passwordHash',
  'authorization',
  'cookie',
  'accessToken',
  'refreshToken',
  'token',
  'apiKey',
  'key',
  'secret',
  'audio',
];

export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]),
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
    // trace_id and span_id of the active span, so log lines and traces find each other.
    mixin: traceContextMixin,
  });
}

export function busLoggerFrom(logger: Logger): BusLogger {
  return {
    warn: (message, context) => logger.warn(context ?? {}, message),
    error: (message, context) => logger.error(context ?? {}, message),
  };
}

/**
 * Nest's own start-up narration: a line per module initialised and per route mapped (dozens per
 * service). It helps when debugging the wiring and drowns everything else, so it logs at debug.
 */
const NEST_STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

/** Routes Nest's own logging through pino so every line is structured JSON. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && NEST_STARTUP_CONTEXTS.has(context)) {
      this.logger.debug({ context }, String(message));
    } else {
      this.logger.info({ context }, String(message));
    }
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
