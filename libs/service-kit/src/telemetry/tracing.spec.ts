import { context, trace } from '@opentelemetry/api';
import { loadConfig } from '../config';
import { spanExportOf, startTracing, TracingConfigSchema } from './tracing';

const configOf = (env: Record<string, string>) => loadConfig(TracingConfigSchema, env);

describe('tracing configuration', () => {
  it('exports over OTLP only when an endpoint is set, and nowhere otherwise', () => {
    expect(spanExportOf(configOf({}), false)).toBe('none');
    expect(spanExportOf(configOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false)).toBe(
      'otlp',
    );
    expect(
      spanExportOf(
        configOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }),
        false,
      ),
    ).toBe('otlp');
  });

  it('lets OTEL_TRACES_EXPORTER, custom processors and OTEL_SDK_DISABLED decide, in that order of strength', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(spanExportOf(configOf({ ...endpoint, OTEL_TRACES_EXPORTER: 'console' }), false)).toBe('env');
    expect(spanExportOf(configOf({ ...endpoint, OTEL_TRACES_EXPORTER: 'console' }), true)).toBe('custom');
    expect(spanExportOf(configOf({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }), true)).toBe('disabled');
    expect(spanExportOf(configOf({ OTEL_SDK_DISABLED: 'false' }), false)).toBe('none');
  });

  it('refuses an endpoint that is not a URL, naming it', () => {
    expect(() => configOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel collector' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it('starts nothing when OTEL_SDK_DISABLED=true: no spans, so no trace ids anywhere', () => {
    const tracing = startTracing({ serviceName: 'test', env: { OTEL_SDK_DISABLED: 'true' } });
    expect(tracing).toMatchObject({ enabled: false, exporter: 'disabled', instrumentations: null });
    const span = trace.getTracer('test').startSpan('work');
    expect(span.isRecording()).toBe(false);
    expect(context.with(trace.setSpan(context.active(), span), () => trace.getActiveSpan())).toBeUndefined();
  });
});
