import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import {
  toCompletionMessages,
  toGenerationParams,
  type FinishReason,
  type OpenAiChatRequest,
} from '@conduit/contracts';
import { anthropicClient } from '@conduit/provider-clients';
import {
  codeOfStatus,
  refusingClientErrors,
  type ProviderBatchApi,
  type ProviderBatchRequest,
  type ProviderBatchResult,
} from './batch-provider.port';

/** `max_tokens` is required by the Messages API; this is sent when a line sets none. */
const DEFAULT_MAX_TOKENS = 4096;

/**
 * Anthropic's Message Batches through the official SDK: the lines as Messages requests in one batch,
 * polled until its processing has ended, then its results read as they stream in.
 */
export class AnthropicBatchApi implements ProviderBatchApi {
  readonly provider = 'anthropic';
  private readonly client: Anthropic;

  constructor(options: { apiKey: string; baseURL?: string; timeoutMs: number }) {
    this.client = anthropicClient({
      apiKey: options.apiKey,
      baseURL: options.baseURL || undefined,
      timeoutMs: options.timeoutMs,
      maxRetries: 2,
    });
  }

  async submit(requests: readonly ProviderBatchRequest[]): Promise<string> {
    const batch = await refusing(() =>
      this.client.messages.batches.create({
        requests: requests.map((r) => ({ custom_id: r.customId, params: paramsOf(r.providerModel, r.body) })),
      }),
    );
    return batch.id;
  }

  async hasEnded(providerBatchId: string): Promise<boolean> {
    const batch = await refusing(() => this.client.messages.batches.retrieve(providerBatchId));
    return batch.processing_status === 'ended';
  }

  async *results(providerBatchId: string): AsyncIterable<ProviderBatchResult> {
    const results = await refusing(() => this.client.messages.batches.results(providerBatchId));
    for await (const { custom_id: customId, result } of results) {
      switch (result.type) {
        case 'succeeded': {
          const message = result.message;
          const usage = message.usage;
          const cachedTokens = usage.cache_read_input_tokens ?? 0;
          yield {
            customId,
            type: 'succeeded',
            content: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
            finishReason: finishReasonOf(message.stop_reason),
            usage: {
              // Anthropic's input_tokens leaves out cache reads and writes; ours counts every input token.
              inputTokens: usage.input_tokens + cachedTokens + (usage.cache_creation_input_tokens ?? 0),
              outputTokens: usage.output_tokens,
              cachedTokens,
              estimated: false,
            },
          };
          break;
        }
        case 'errored': {
          const status = result.error.error.type === 'not_found_error' ? 404 : 400;
          yield {
            customId,
            type: 'failed',
            error: { code: codeOfStatus(status), message: `Anthropic: ${result.error.error.message}` },
          };
          break;
        }
        case 'canceled':
        case 'expired':
          yield {
            customId,
            type: 'failed',
            error: { code: codeOfStatus(503), message: `Anthropic: the request was ${result.type}` },
          };
          break;
      }
    }
  }

  async cancel(providerBatchId: string): Promise<void> {
    await this.client.messages.batches.cancel(providerBatchId);
  }
}

/** A chat completion request as Messages parameters: system messages as `system`, the rest as messages. */
function paramsOf(model: string, body: OpenAiChatRequest): MessageCreateParamsNonStreaming {
  const messages = toCompletionMessages(body);
  const params = toGenerationParams(body);
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  return {
    model,
    max_tokens: params.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(system ? { system } : {}),
    messages: messages.flatMap((m) => (m.role === 'system' ? [] : [{ role: m.role, content: m.content }])),
    // Anthropic's scale ends at 1 where OpenAI's ends at 2.
    ...(params.temperature !== undefined ? { temperature: Math.min(params.temperature, 1) } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    ...(params.stop?.length ? { stop_sequences: params.stop } : {}),
  };
}

function finishReasonOf(reason: string | null): FinishReason {
  return reason === 'max_tokens' || reason === 'model_context_window_exceeded' ? 'length' : 'stop';
}

const refusing = <T>(call: () => Promise<T>) => refusingClientErrors('Anthropic', call);
