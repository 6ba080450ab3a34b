import Anthropic from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsStreaming,
  MessageParam,
  RawMessageStreamEvent,
  StopReason,
} from '@anthropic-ai/sdk/resources/messages';
import type { CompletionMessage, FinishReason } from '@conduit/contracts';
import { anthropicErrors } from '@conduit/provider-errors';
import { anthropicClient } from '@conduit/provider-clients';
import { streamFromSdk, type StreamOutcome } from './sdk-stream';
import type { GenerationChunk, GenerationRequest, TextGenerationProvider } from './text-generation.provider';

export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

export interface AnthropicProviderOptions {
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  /** `max_tokens` is required by the Messages API; this is sent when the request sets none. */
  defaultMaxTokens?: number;
}

/** Anthropic's Messages API through the official SDK. */
export class AnthropicProvider implements TextGenerationProvider {
  readonly id = 'anthropic';
  private readonly client: Anthropic;
  private readonly defaultMaxTokens: number;

  constructor(options: AnthropicProviderOptions) {
    this.defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
    this.client = anthropicClient(options);
  }

  stream(request: GenerationRequest): AsyncIterable<GenerationChunk> {
    return streamFromSdk<RawMessageStreamEvent>({
      provider: this.id,
      signal: request.signal,
      errors: anthropicErrors,
      open: () => this.client.messages.create(this.body(request), { signal: request.signal }),
      read: readEvent,
    });
  }

  private body({ model, messages, params }: GenerationRequest): MessageCreateParamsStreaming {
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    return {
      model,
      max_tokens: params.maxTokens ?? this.defaultMaxTokens,
      ...(system ? { system } : {}),
      messages: messages.flatMap(toMessageParam),
      stream: true,
      // Anthropic's scale ends at 1 where OpenAI's (and our contract's) ends at 2.
      ...(params.temperature !== undefined ? { temperature: Math.min(params.temperature, 1) } : {}),
      ...(params.topP !== undefined ? { top_p: params.topP } : {}),
      ...(params.stop?.length ? { stop_sequences: params.stop } : {}),
    };
  }
}

function toMessageParam({ role, content }: CompletionMessage): MessageParam[] {
  return role === 'system' ? [] : [{ role, content }];
}

/** Usage arrives in two halves: input and cache reads in `message_start`, final output in `message_delta`. */
function readEvent(event: RawMessageStreamEvent, outcome: StreamOutcome): string | undefined {
  switch (event.type) {
    case 'message_start': {
      const usage = event.message.usage;
      const cachedTokens = usage.cache_read_input_tokens ?? 0;
      outcome.usage = {
        // Anthropic's input_tokens leaves out cache reads and writes; ours counts every input token.
        inputTokens: usage.input_tokens + cachedTokens + (usage.cache_creation_input_tokens ?? 0),
        outputTokens: usage.output_tokens,
        cachedTokens,
      };
      return undefined;
    }
    case 'message_delta':
      outcome.usage = {
        ...(outcome.usage ?? { inputTokens: 0, cachedTokens: 0 }),
        outputTokens: event.usage.output_tokens,
      };
      if (event.delta.stop_reason) outcome.finish = finishReason(event.delta.stop_reason);
      return undefined;
    case 'content_block_delta':
      return event.delta.type === 'text_delta' ? event.delta.text : undefined;
    case 'content_block_start':
    case 'content_block_stop':
    case 'message_stop':
      return undefined;
  }
}

const finishReasons: Readonly<Record<StopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  refusal: 'content_filter',
};

/** A stop reason newer than this SDK is a normal stop. */
function finishReason(reason: StopReason): FinishReason {
  return finishReasons[reason] ?? 'stop';
}
