import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { TranscriptMessage, TranscriptToolCall } from '@conduit/contracts';
import { openAIClient } from '@conduit/provider-clients';
import { assertStreamFinished, mapProviderError, openAIErrors } from '@conduit/provider-errors';
import type {
  AgentModel,
  ModelTurnEvent,
  ModelTurnRequest,
  ModelUsage,
  StepFinishReason,
} from './agent-model.port';
import { replayableArguments, toolResultText } from './replay-arguments';

export interface OpenAIAgentModelOptions {
  apiKey: string | undefined;
  baseURL: string;
  timeoutMs: number;
}

/** OpenAI Chat Completions with tool calling, streamed, through the official SDK. */
export class OpenAIAgentModel implements AgentModel {
  private readonly client: OpenAI;

  constructor(options: OpenAIAgentModelOptions) {
    this.client = openAIClient(options);
  }

  async *turn(request: ModelTurnRequest): AsyncGenerator<ModelTurnEvent> {
    const { signal } = request;
    // Calls arrive in fragments, each naming its call by index.
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let finish: StepFinishReason | undefined;
    let usage: ModelUsage | null = null;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: toOpenAIMessages(request.system, request.transcript),
          ...(request.tools.length > 0 ? { tools: request.tools.map(toOpenAITool) } : {}),
          stream: true,
          stream_options: { include_usage: true },
          max_completion_tokens: request.maxOutputTokens,
        },
        { signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) {
          usage = {
            inputTokens: chunk.usage.prompt_tokens,
            outputTokens: chunk.usage.completion_tokens,
            cachedTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
          };
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta.content) yield { type: 'text', text: choice.delta.content };
        for (const fragment of choice.delta.tool_calls ?? []) {
          const call = calls.get(fragment.index) ?? { id: '', name: '', arguments: '' };
          if (fragment.id) call.id = fragment.id;
          if (fragment.function?.name) call.name += fragment.function.name;
          if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
          calls.set(fragment.index, call);
        }
        if (choice.finish_reason) finish = finishReason(choice.finish_reason);
      }
    } catch (error) {
      throw mapProviderError(error, 'openai', signal, openAIErrors);
    }
    assertStreamFinished(finish, 'openai', signal);
    const ordered = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    for (const call of ordered) yield { type: 'tool_call', call: call satisfies TranscriptToolCall };
    yield { type: 'finish', reason: ordered.length > 0 ? 'tool_calls' : finish, usage };
  }
}

function finishReason(reason: string): StepFinishReason {
  switch (reason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

function toOpenAITool(tool: ModelTurnRequest['tools'][number]): ChatCompletionTool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

/** The provider-neutral transcript as Chat Completions messages. */
export function toOpenAIMessages(
  system: string,
  transcript: readonly TranscriptMessage[],
): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = system ? [{ role: 'system', content: system }] : [];
  for (const message of transcript) {
    switch (message.role) {
      case 'user':
        messages.push({ role: 'user', content: message.text });
        break;
      case 'assistant':
        messages.push({
          role: 'assistant',
          content: message.text === '' && message.toolCalls.length > 0 ? null : message.text,
          ...(message.toolCalls.length > 0
            ? {
                tool_calls: message.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: {
                    name: call.name,
                    arguments: JSON.stringify(replayableArguments(call.arguments)),
                  },
                })),
              }
            : {}),
        });
        break;
      case 'tool':
        for (const result of message.results) {
          messages.push({ role: 'tool', tool_call_id: result.callId, content: toolResultText(result) });
        }
        break;
    }
  }
  return messages;
}
