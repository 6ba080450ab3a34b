import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, StopReason, Tool } from '@anthropic-ai/sdk/resources/messages';
import type { TranscriptMessage } from '@conduit/contracts';
import { anthropicClient } from '@conduit/provider-clients';
import { anthropicErrors, assertStreamFinished, mapProviderError } from '@conduit/provider-errors';
import type {
  AgentModel,
  ModelTurnEvent,
  ModelTurnRequest,
  ModelUsage,
  StepFinishReason,
} from './agent-model.port';
import { replayableArguments, toolResultText } from './replay-arguments';

export interface AnthropicAgentModelOptions {
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
}

/** Anthropic's Messages API with tool use, streamed, through the official SDK. */
export class AnthropicAgentModel implements AgentModel {
  private readonly client: Anthropic;

  constructor(options: AnthropicAgentModelOptions) {
    this.client = anthropicClient(options);
  }

  async *turn(request: ModelTurnRequest): AsyncGenerator<ModelTurnEvent> {
    const { signal } = request;
    const toolBlocks = new Map<number, { id: string; name: string; json: string }>();
    let finish: StepFinishReason | undefined;
    let usage: ModelUsage | null = null;
    let toolCalls = 0;
    try {
      const stream = await this.client.messages.create(
        {
          model: request.model,
          max_tokens: request.maxOutputTokens,
          ...(request.system ? { system: request.system } : {}),
          messages: toAnthropicMessages(request.transcript),
          ...(request.tools.length > 0 ? { tools: request.tools.map(toAnthropicTool) } : {}),
          stream: true,
        },
        { signal },
      );
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start': {
            const u = event.message.usage;
            const cachedTokens = u.cache_read_input_tokens ?? 0;
            usage = {
              // Anthropic's input_tokens leaves out cache reads and writes; ours counts every input token.
              inputTokens: u.input_tokens + cachedTokens + (u.cache_creation_input_tokens ?? 0),
              outputTokens: u.output_tokens,
              cachedTokens,
            };
            break;
          }
          case 'message_delta':
            usage = {
              ...(usage ?? { inputTokens: 0, cachedTokens: 0 }),
              outputTokens: event.usage.output_tokens,
            };
            if (event.delta.stop_reason) finish = finishReason(event.delta.stop_reason);
            break;
          case 'content_block_start':
            if (event.content_block.type === 'tool_use') {
              toolBlocks.set(event.index, {
                id: event.content_block.id,
                name: event.content_block.name,
                json: '',
              });
            }
            break;
          case 'content_block_delta':
            if (event.delta.type === 'text_delta' && event.delta.text)
              yield { type: 'text', text: event.delta.text };
            else if (event.delta.type === 'input_json_delta') {
              const block = toolBlocks.get(event.index);
              if (block) block.json += event.delta.partial_json;
            }
            break;
          case 'content_block_stop': {
            const block = toolBlocks.get(event.index);
            if (block) {
              toolCalls += 1;
              yield {
                type: 'tool_call',
                call: { id: block.id, name: block.name, arguments: block.json || '{}' },
              };
            }
            break;
          }
          case 'message_stop':
            break;
        }
      }
    } catch (error) {
      throw mapProviderError(error, 'anthropic', signal, anthropicErrors);
    }
    assertStreamFinished(finish, 'anthropic', signal);
    yield { type: 'finish', reason: toolCalls > 0 ? 'tool_calls' : finish, usage };
  }
}

function finishReason(reason: StopReason): StepFinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

function toAnthropicTool(tool: ModelTurnRequest['tools'][number]): Tool {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.parameters, type: 'object' } as Tool['input_schema'],
  };
}

/**
 * The provider-neutral transcript as Messages API turns: tool calls become `tool_use` blocks, their
 * results `tool_result` blocks in a user turn; consecutive turns of one role are merged, as the API
 * wants roles to alternate.
 */
export function toAnthropicMessages(transcript: readonly TranscriptMessage[]): MessageParam[] {
  const turns: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const push = (role: 'user' | 'assistant', content: ContentBlockParam[]) => {
    if (content.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  for (const message of transcript) {
    switch (message.role) {
      case 'user':
        push('user', [{ type: 'text', text: message.text }]);
        break;
      case 'assistant':
        push('assistant', [
          ...(message.text ? [{ type: 'text' as const, text: message.text }] : []),
          ...message.toolCalls.map((call) => ({
            type: 'tool_use' as const,
            id: call.id,
            name: call.name,
            input: replayableArguments(call.arguments),
          })),
        ]);
        break;
      case 'tool':
        push(
          'user',
          message.results.map((result) => ({
            type: 'tool_result' as const,
            tool_use_id: result.callId,
            content: toolResultText(result),
            is_error: !result.ok,
          })),
        );
        break;
    }
  }
  return turns;
}
