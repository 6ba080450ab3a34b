// The entry point a service's tracing.ts imports before anything else: it loads OpenTelemetry and
// nothing that http, pg or undici would have to be patched in (Nest, pg, ioredis come later).
export { currentTracing, startTracing, TracingConfigSchema } from './telemetry/tracing';
export type { StartTracingOptions, Tracing, TracingConfig } from './telemetry/tracing';
