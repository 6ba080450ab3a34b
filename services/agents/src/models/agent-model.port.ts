import type { TranscriptMessage, TranscriptToolCall } from '@conduit/contracts';

/** A tool as the model is shown it: its name, what it is for, and its arguments' JSON schema. */
export interface ModelToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

export type StepFinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter';

/** One model call of a run: the whole transcript so far, the tools it may call. */
export interface ModelTurnRequest {
  /** As the provider names it (`gpt-4o-mini`). */
  model: string;
  system: string;
  transcript: readonly TranscriptMessage[];
  tools: readonly ModelToolSpec[];
  maxOutputTokens: number;
  signal: AbortSignal;
}

/** What a model call streams: its text as it comes, each complete tool call, then one `finish`. */
export type ModelTurnEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: TranscriptToolCall }
  | { type: 'finish'; reason: StepFinishReason; usage: ModelUsage | null };

/**
 * A provider's tool-calling model. Failures are thrown as ProviderErrors; an aborted `signal` ends the
 * stream with the signal's reason.
 */
export interface AgentModel {
  turn(request: ModelTurnRequest): AsyncIterable<ModelTurnEvent>;
}
