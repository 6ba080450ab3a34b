import type { IncomingHttpHeaders } from 'node:http';

/**
 * The behavior model shared by every fake provider: what a single generation request gets back.
 * Providers differ only in how a behavior is spelled on the wire (see `fake-provider.server.ts`).
 */

export interface FakeTokenSource {
  /** The reply: a token list sent as-is, or a text split into word tokens (see `splitIntoTokens`). */
  tokens?: string | readonly string[];
  /** Delay before each token. 0 (the default) writes the whole stream at once, still one SSE event per token. */
  tokenIntervalMs?: number;
  /** Delay before the first token instead of `tokenIntervalMs` (a provider's time to first token). */
  firstTokenDelayMs?: number;
}

export interface FakeUsageOverride {
  inputTokens?: number;
  outputTokens?: number;
}

/** A tool call a scripted answer makes, after its text. */
export interface FakeToolCall {
  /** The call's id; one in the provider's own style (`call_...`, `toolu_...`) when left out. */
  id?: string;
  name: string;
  /** The arguments: an object is sent as its JSON, a string exactly as given (to script invalid JSON). */
  arguments: Record<string, unknown> | string;
}

/** A normal completion. Streams are cut at the request's max tokens (finish reason `length` / `max_tokens`). */
export interface FakeAnswerBehavior extends FakeTokenSource {
  kind: 'answer';
  usage?: FakeUsageOverride;
  /**
   * Tool calls the answer ends with (OpenAI `tool_calls` with finish reason `tool_calls`, Anthropic
   * `tool_use` blocks with stop reason `tool_use`); several make parallel calls in one answer.
   */
  toolCalls?: readonly FakeToolCall[];
}

/** An HTTP error answered before any generation, with the provider's error body (defaults depend on status). */
export interface FakeHttpErrorBehavior {
  kind: 'http-error';
  status: number;
  /** Sent as the `retry-after` header (seconds). */
  retryAfterSeconds?: number;
  /** OpenAI `error.type` / Anthropic `error.type`; defaults from the status. */
  errorType?: string;
  /** OpenAI `error.code` only (Anthropic bodies have no code). */
  code?: string | null;
  /** OpenAI `error.param` only. */
  param?: string | null;
  message?: string;
}

/** Streams `afterTokens` tokens, then a syntactically broken SSE data line, then ends the response. */
export interface FakeMalformedChunkBehavior extends FakeTokenSource {
  kind: 'malformed-chunk';
  afterTokens?: number;
}

/** Streams `afterTokens` tokens, then stays silent with the socket open until the client or `close()` ends it. */
export interface FakeStallBehavior extends FakeTokenSource {
  kind: 'stall';
  afterTokens?: number;
}

/** Streams `afterTokens` tokens, then destroys the socket without finishing the response. */
export interface FakeDropBehavior extends FakeTokenSource {
  kind: 'drop';
  afterTokens?: number;
}

/**
 * Streams `afterTokens` tokens, then the provider's in-stream error (OpenAI `data: {"error":...}`,
 * Anthropic `event: error`) and ends the response. Non-streaming requests get the matching HTTP error.
 */
export interface FakeStreamErrorBehavior extends FakeTokenSource {
  kind: 'stream-error';
  afterTokens?: number;
  errorType?: string;
  message?: string;
}

export type FakeBehavior =
  | FakeAnswerBehavior
  | FakeHttpErrorBehavior
  | FakeMalformedChunkBehavior
  | FakeStallBehavior
  | FakeDropBehavior
  | FakeStreamErrorBehavior;

export type FakeBehaviorKind = FakeBehavior['kind'];

export interface FakeRecordedRequest<TBody> {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The parsed body of a valid generation request; undefined for other routes and rejected requests. */
  body: TBody | undefined;
  readonly receivedAt: number;
  /** The behavior that served this request (generation requests that passed auth and validation). */
  behavior: FakeBehavior | undefined;
  /** The HTTP status sent; undefined while nothing was sent (stall before headers, drop of a non-stream). */
  status: number | undefined;
}

/** Picks the behavior of one request; `undefined` falls through to the default answer. */
export type FakeBehaviorChooser<TBody> = (
  body: TBody,
  request: FakeRecordedRequest<TBody>,
) => FakeBehavior | undefined;

/**
 * Per-request behavior selection: scripted behaviors first (FIFO, one per request), then the chooser,
 * then `undefined` (the caller answers normally).
 */
export class FakeBehaviorSchedule<TBody> {
  private readonly queue: FakeBehavior[] = [];
  private chooser: FakeBehaviorChooser<TBody> | undefined;

  constructor(private readonly initialChooser: FakeBehaviorChooser<TBody> | undefined) {
    this.chooser = initialChooser;
  }

  enqueue(behaviors: readonly FakeBehavior[]): void {
    this.queue.push(...behaviors);
  }

  /** A chooser, a fixed behavior for every request, or `undefined` for the default answer. */
  set(next: FakeBehaviorChooser<TBody> | FakeBehavior | undefined): void {
    this.chooser = typeof next === 'object' ? () => next : next;
  }

  next(body: TBody, request: FakeRecordedRequest<TBody>): FakeBehavior | undefined {
    return this.queue.shift() ?? this.chooser?.(body, request);
  }

  get queued(): number {
    return this.queue.length;
  }

  reset(): void {
    this.queue.length = 0;
    this.chooser = this.initialChooser;
  }
}

/** Splits text into word tokens that keep their leading whitespace, so joining them gives the text back. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Whitespace-separated words: the deterministic stand-in for a tokenizer. */
export function countWords(text: string): number {
  let count = 0;
  for (const word of text.split(/\s+/)) {
    if (word.length > 0) count++;
  }
  return count;
}

export type FakeStreamEnding =
  | { kind: 'complete' }
  | { kind: 'malformed-chunk' }
  | { kind: 'stall' }
  | { kind: 'drop' }
  | { kind: 'stream-error'; errorType: string | undefined; message: string | undefined };

export type FakeGenerationBehavior = Exclude<FakeBehavior, FakeHttpErrorBehavior>;

export interface FakeGenerationPlan {
  /** The tokens sent before the ending (all of them for an answer, the first `afterTokens` for a fault). */
  readonly tokens: readonly string[];
  readonly intervalMs: number;
  /** Delay before the first token (the interval unless the behavior or the server's options say otherwise). */
  readonly firstTokenDelayMs: number;
  /** True when an answer was cut at the request's max output tokens. */
  readonly truncated: boolean;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  readonly ending: FakeStreamEnding;
  /** The tool calls an answer ends with, ids filled in; empty for none. */
  readonly toolCalls: readonly PlannedToolCall[];
}

export interface PlannedToolCall {
  readonly id: string | undefined;
  readonly name: string;
  /** The arguments as the provider sends them: JSON text (or whatever text was scripted). */
  readonly arguments: string;
}

export interface FakeGenerationFacts {
  readonly inputTokens: number;
  readonly maxOutputTokens: number | undefined;
}

export interface FakeGenerationDefaults {
  readonly tokens: readonly string[];
  readonly intervalMs: number;
  readonly firstTokenDelayMs?: number;
}

export function planGeneration(
  behavior: FakeGenerationBehavior,
  facts: FakeGenerationFacts,
  defaults: FakeGenerationDefaults,
): FakeGenerationPlan {
  const all = behavior.tokens === undefined ? defaults.tokens : toTokens(behavior.tokens);
  const intervalMs = Math.max(0, behavior.tokenIntervalMs ?? defaults.intervalMs);
  const firstTokenDelayMs = Math.max(
    0,
    behavior.firstTokenDelayMs ?? defaults.firstTokenDelayMs ?? behavior.tokenIntervalMs ?? intervalMs,
  );

  if (behavior.kind === 'answer') {
    const limit = facts.maxOutputTokens;
    const truncated = limit !== undefined && all.length > limit;
    const tokens = truncated ? all.slice(0, Math.max(0, limit)) : all;
    return {
      tokens,
      intervalMs,
      firstTokenDelayMs,
      truncated,
      usage: {
        inputTokens: behavior.usage?.inputTokens ?? facts.inputTokens,
        outputTokens: behavior.usage?.outputTokens ?? tokens.length,
      },
      ending: { kind: 'complete' },
      toolCalls: (truncated ? [] : (behavior.toolCalls ?? [])).map((call) => ({
        id: call.id,
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      })),
    };
  }

  const tokens = all.slice(0, Math.max(0, behavior.afterTokens ?? 0));
  const ending: FakeStreamEnding =
    behavior.kind === 'stream-error'
      ? { kind: 'stream-error', errorType: behavior.errorType, message: behavior.message }
      : { kind: behavior.kind };
  return {
    tokens,
    intervalMs,
    firstTokenDelayMs,
    truncated: false,
    usage: { inputTokens: facts.inputTokens, outputTokens: tokens.length },
    ending,
    toolCalls: [],
  };
}

export function toTokens(source: string | readonly string[]): readonly string[] {
  return typeof source === 'string' ? splitIntoTokens(source) : source;
}
