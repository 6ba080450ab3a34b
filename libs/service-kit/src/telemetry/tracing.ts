import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import type { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { loadConfig } from '../config';

/** The OTEL_* variables this module reads itself; the SDK reads the other standard ones (README). */
export const TracingConfigSchema = z.object({
  OTEL_SDK_DISABLED: z
    .string()
    .default('false')
    .transform((value) => value.trim().toLowerCase() === 'true'),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  /** When set (`otlp`, `console`, `zipkin`, `none`), the SDK picks the exporter from the environment. */
  OTEL_TRACES_EXPORTER: z.string().optional(),
});
export type TracingConfig = z.infer<typeof TracingConfigSchema>;

export interface StartTracingOptions {
  /** `service.name` of every span, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** Replaces the exporter chosen from the environment (tests pass an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  /** False when disabled or with no exporter configured: no SDK, no spans, no trace ids in logs. */
  readonly enabled: boolean;
  /** Where spans go: `otlp`, `env` (OTEL_TRACES_EXPORTER) or `custom`; `disabled` when nothing started. */
  readonly exporter: 'otlp' | 'env' | 'custom' | 'none' | 'disabled';
  /**
   * The registered instrumentations. Jest loads modules through its own registry, which the
   * require hooks never see: tests patch the modules they load with these (see the e2e tests).
   */
  readonly instrumentations: {
    http: HttpInstrumentation;
    undici: UndiciInstrumentation;
    pg: PgInstrumentation;
  } | null;
  /** Exports what is buffered; the SDK keeps running. */
  flush(): Promise<void>;
  /** Exports what is buffered, stops the SDK and removes the instrumentations' patches. */
  shutdown(): Promise<void>;
}

/** HTTP paths that are polled, not used: no spans for them. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

let started: Tracing | null = null;

/**
 * Starts OpenTelemetry (NodeSDK) for the process, once: W3C trace context, auto-instrumentation of
 * incoming and outgoing HTTP (node:http, and fetch through undici) and Postgres (pg), and spans
 * exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set, or as
 * OTEL_TRACES_EXPORTER says. Without any of those, or with OTEL_SDK_DISABLED=true, nothing starts.
 *
 * Must run before the modules it instruments are loaded: each service's `main.ts` imports its
 * `tracing.ts` first.
 */
export function startTracing(options: StartTracingOptions): Tracing {
  if (started) return started;
  const config = loadConfig(TracingConfigSchema, options.env ?? process.env);
  const exporter = spanExportOf(config, options.spanProcessors !== undefined);
  // With nowhere to send spans, making them would only cost: instrumentation adds milliseconds of CPU
  // to every request. Configure an exporter (or OTEL_TRACES_EXPORTER) to get traces and log trace ids.
  if (exporter === 'disabled' || exporter === 'none') {
    started = disabledTracing;
    return started;
  }
  // Loaded on demand: importing service-kit must not load the whole SDK (unit tests, tools).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const instrumentations = {
    http: new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
    }),
    undici: new UndiciInstrumentation(),
    // Queries outside any request (start-up, periodic sweeps) would each be a trace of their own.
    pg: new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
  };
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME ?? options.serviceName,
    instrumentations: Object.values(instrumentations),
    // Metrics are Prometheus' (/metrics) and logs are pino's (stdout): the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
    ...(exporter === 'custom' ? { spanProcessors: options.spanProcessors ?? [] } : {}),
    ...(exporter === 'otlp' ? { traceExporter: new OTLPTraceExporter() } : {}),
  });
  sdk.start();
  started = {
    enabled: true,
    exporter,
    instrumentations,
    flush: async () => {
      const delegate = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate?.() as
        { forceFlush?: () => Promise<void> } | undefined;
      await delegate?.forceFlush?.();
    },
    shutdown: async () => {
      await sdk.shutdown();
      // Patches on Node's core modules and diagnostics channels outlive the SDK otherwise.
      for (const instrumentation of Object.values(instrumentations)) instrumentation.disable();
    },
  };
  return started;
}

/** What {@link startTracing} started, if it ran in this process. */
export function currentTracing(): Tracing | null {
  return started;
}

/** Where spans go, from the configuration: custom processors, OTEL_TRACES_EXPORTER, an endpoint, or nowhere. */
export function spanExportOf(config: TracingConfig, customProcessors: boolean): Tracing['exporter'] {
  if (config.OTEL_SDK_DISABLED) return 'disabled';
  if (customProcessors) return 'custom';
  if (config.OTEL_TRACES_EXPORTER) return 'env';
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return 'otlp';
  return 'none';
}

const disabledTracing: Tracing = {
  enabled: false,
  exporter: 'disabled',
  instrumentations: null,
  flush: async () => undefined,
  shutdown: async () => undefined,
};
