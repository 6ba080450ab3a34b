import type { FinishReason } from '@conduit/contracts';
import { assertStreamFinished, mapProviderError, type SdkErrorReader } from '@conduit/provider-errors';
import type { GenerationChunk, ProviderUsage } from './text-generation.provider';

/** What an adapter learns from the events of one stream besides its text. */
export interface StreamOutcome {
  usage: ProviderUsage | undefined;
  finish: FinishReason | undefined;
}

export interface SdkStreamSource<TEvent> {
  provider: string;
  signal: AbortSignal;
  errors: SdkErrorReader;
  /** Starts the SDK request; resolves once the provider has answered with a stream. */
  open(): Promise<AsyncIterable<TEvent>>;
  /** Reads one event: returns its text, if any, and records usage and finish reason in `outcome`. */
  read(event: TEvent, outcome: StreamOutcome): string | undefined;
}

/**
 * Runs an SDK stream as {@link GenerationChunk}s: text as it arrives, then usage (when the provider
 * reported it), then the finish reason, always last. Failures come out as described in `mapProviderError`.
 */
export async function* streamFromSdk<TEvent>(
  source: SdkStreamSource<TEvent>,
): AsyncGenerator<GenerationChunk> {
  const { provider, signal } = source;
  const outcome: StreamOutcome = { usage: undefined, finish: undefined };
  try {
    for await (const event of await source.open()) {
      const text = source.read(event, outcome);
      if (text) yield { type: 'text', text };
    }
  } catch (error) {
    throw mapProviderError(error, provider, signal, source.errors);
  }
  assertStreamFinished(outcome.finish, provider, signal);
  if (outcome.usage) yield { type: 'usage', usage: outcome.usage };
  yield { type: 'finish', reason: outcome.finish };
}
