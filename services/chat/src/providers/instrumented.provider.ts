import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { METRIC_PREFIX, ServiceMetrics } from '@conduit/service-kit';
import type { Counter } from 'prom-client';
import { ProviderError, type ProviderFailureKind } from '@conduit/provider-errors';
import type { GenerationChunk, GenerationRequest, TextGenerationProvider } from './text-generation.provider';

/** Counts provider calls and their failures by kind; one per service registry. */
export class ProviderTelemetry {
  readonly calls: Counter<'provider' | 'outcome'>;
  readonly errors: Counter<'provider' | 'kind'>;

  constructor(metrics: ServiceMetrics) {
    this.calls = metrics.counter({
      name: `${METRIC_PREFIX}provider_calls_total`,
      help: 'Calls to AI providers, by provider and outcome (ok, error, or aborted by us)',
      labelNames: ['provider', 'outcome'],
    });
    this.errors = metrics.counter({
      name: `${METRIC_PREFIX}provider_errors_total`,
      help: 'Failed calls to AI providers, by provider and kind (rate_limited, unavailable, timeout, auth, ...)',
      labelNames: ['provider', 'kind'],
    });
  }

  /** Wraps a provider so each `stream` call is a CLIENT span (its HTTP request nests inside) and counted. */
  instrument(provider: TextGenerationProvider): TextGenerationProvider {
    return new InstrumentedProvider(provider, this);
  }
}

const tracer = trace.getTracer('@conduit/chat');

/**
 * A provider call as OpenTelemetry's generative-AI conventions describe it (`chat <model>`, CLIENT,
 * `gen_ai.*` attributes; no prompt or answer text). Failures the provider reported are counted by
 * kind; calls we aborted (cancel, shutdown, our own timeouts) are `aborted`, not provider errors,
 * unless the abort reason is itself a {@link ProviderError}.
 */
class InstrumentedProvider implements TextGenerationProvider {
  constructor(
    private readonly inner: TextGenerationProvider,
    private readonly telemetry: ProviderTelemetry,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  async *stream(request: GenerationRequest): AsyncGenerator<GenerationChunk> {
    const provider = this.inner.id;
    const parent = context.active();
    const span = tracer.startSpan(
      `chat ${request.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': request.model,
          ...(request.params.maxTokens ? { 'gen_ai.request.max_tokens': request.params.maxTokens } : {}),
        },
      },
      parent,
    );
    const within = trace.setSpan(parent, span);
    const chunks = context.with(within, () => this.inner.stream(request)[Symbol.asyncIterator]());
    let finished = false;
    try {
      for (;;) {
        const step = await context.with(within, () => chunks.next());
        if (step.done) break;
        record(span, step.value);
        yield step.value;
      }
      finished = true;
      this.telemetry.calls.inc({ provider, outcome: 'ok' });
    } catch (error) {
      finished = true;
      this.failed(span, provider, error, request.signal);
      throw error;
    } finally {
      // The caller stopped reading early: let the SDK stream close its request.
      if (!finished) {
        this.telemetry.calls.inc({ provider, outcome: 'aborted' });
        await context.with(within, async () => chunks.return?.(undefined)).catch(() => undefined);
      }
      span.end();
    }
  }

  private failed(span: Span, provider: string, error: unknown, signal: AbortSignal): void {
    const kind = failureKindOf(error, signal);
    if (kind === null) {
      this.telemetry.calls.inc({ provider, outcome: 'aborted' });
      span.setAttribute('conduit.provider.aborted', String(signal.reason));
      return;
    }
    this.telemetry.calls.inc({ provider, outcome: 'error' });
    this.telemetry.errors.inc({ provider, kind });
    span.setAttribute('error.type', kind);
    span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
  }
}

function failureKindOf(error: unknown, signal: AbortSignal): ProviderFailureKind | null {
  if (error instanceof ProviderError) return error.kind;
  // Adapters hand back our own abort reason unchanged; that is not the provider failing.
  if (signal.aborted) return null;
  return 'bad_response';
}

function record(span: Span, chunk: GenerationChunk): void {
  if (chunk.type === 'usage') {
    span.setAttributes({
      'gen_ai.usage.input_tokens': chunk.usage.inputTokens,
      'gen_ai.usage.output_tokens': chunk.usage.outputTokens,
    });
  } else if (chunk.type === 'finish') {
    span.setAttribute('gen_ai.response.finish_reasons', [chunk.reason]);
  }
}
