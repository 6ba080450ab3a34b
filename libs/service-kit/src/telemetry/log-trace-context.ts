import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * A pino mixin: every line logged inside a traced context carries its `trace_id` and `span_id`
 * (the names OpenTelemetry's log data model and most log backends use to link logs to traces).
 */
export function traceContextMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: context.traceFlags.toString(16).padStart(2, '0'),
  };
}
