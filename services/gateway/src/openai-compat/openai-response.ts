import { FinishReason, TokenUsage } from '@conduit/contracts';

/** Builders for OpenAI's wire objects, so the official SDKs parse our answers unchanged. */
export function completionChunk(
  id: string,
  created: number,
  model: string,
  delta: { role?: 'assistant'; content?: string },
  finishReason: FinishReason | null,
): Record<string, unknown> {
  return {
    ...header(id, 'chat.completion.chunk', created, model),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: toOpenAiFinishReason(finishReason) }],
  };
}

export function usageChunk(
  id: string,
  created: number,
  model: string,
  usage: TokenUsage,
): Record<string, unknown> {
  return {
    ...header(id, 'chat.completion.chunk', created, model),
    choices: [],
    usage: toOpenAiUsage(usage),
  };
}

export function completion(
  id: string,
  created: number,
  model: string,
  content: string,
  finishReason: FinishReason,
  usage: TokenUsage,
): Record<string, unknown> {
  return {
    ...header(id, 'chat.completion', created, model),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: toOpenAiFinishReason(finishReason),
      },
    ],
    usage: toOpenAiUsage(usage),
  };
}

/** The fields every completion object and chunk starts with. */
function header(id: string, object: string, created: number, model: string): Record<string, unknown> {
  return { id, object, created, model, system_fingerprint: null };
}

function toOpenAiUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
  };
}

function toOpenAiFinishReason(reason: FinishReason | null): string | null {
  if (reason === null) return null;
  return reason === 'cancelled' ? 'stop' : reason;
}
