import type { FinishReason, TokenUsage } from '../chat';

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

const TEXT_SLOT = '\u0000text\u0000';

/**
 * The serialized content chunk of one answer, as a function of its text: {@link completionChunk}'s
 * JSON, built once per answer, with only the text serialized per token (the relay's hot path).
 */
export function contentChunkSerializer(id: string, created: number, model: string): (text: string) => string {
  const template = JSON.stringify(completionChunk(id, created, model, { content: TEXT_SLOT }, null));
  const slot = JSON.stringify(TEXT_SLOT);
  const at = template.lastIndexOf(slot); // the content comes after every other string field
  const before = template.slice(0, at);
  const after = template.slice(at + slot.length);
  return (text) => before + JSON.stringify(text) + after;
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
