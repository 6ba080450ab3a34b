import { CompletionMessage, FinishReason, GenerationParams } from '@conduit/contracts';

export interface GenerationRequest {
  /** The provider's own model name: the part of `provider/model` after the first slash. */
  model: string;
  /** Full conversation, system prompt first when there is one. */
  messages: CompletionMessage[];
  params: GenerationParams;
  /** Aborts the provider call (client cancel, stall watchdog, shutdown). */
  signal: AbortSignal;
}

export interface ProviderUsage {
  /** Every prompt token, cache hits included. */
  inputTokens: number;
  outputTokens: number;
  /** The part of `inputTokens` served from the provider's prompt cache. */
  cachedTokens: number;
}

export type GenerationChunk =
  | { type: 'text'; text: string }
  | { type: 'usage'; usage: ProviderUsage }
  | { type: 'finish'; reason: FinishReason };

/** The port every text-generation adapter implements. Adapters never retry: the caller owns retries. */
export interface TextGenerationProvider {
  /** Registry key, the `provider` part of model ids: `openai`, `anthropic`, `groq`, `offline`. */
  readonly id: string;
  /** Streams the answer; throws {@link ProviderError} for provider failures. */
  stream(request: GenerationRequest): AsyncIterable<GenerationChunk>;
}
