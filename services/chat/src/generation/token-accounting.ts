import { CompletionMessage, ModelInfo, TokenUsage } from '@conduit/contracts';
import { ProviderUsage } from '../providers/text-generation.provider';

/** A rough count (about four characters a token in English) for when a provider reports none. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Per-message framing overhead as chat formats add it (role markers, separators). */
const TOKENS_PER_MESSAGE = 4;

export function estimatePromptTokens(messages: readonly CompletionMessage[]): number {
  return messages.reduce((sum, m) => sum + estimateTokens(m.content) + TOKENS_PER_MESSAGE, 0);
}

export function usageFrom(
  reported: ProviderUsage | null,
  messages: readonly CompletionMessage[],
  generatedText: string,
): TokenUsage {
  if (reported) return { ...reported, estimated: false };
  return {
    inputTokens: estimatePromptTokens(messages),
    outputTokens: estimateTokens(generatedText),
    cachedTokens: 0,
    estimated: true,
  };
}

/** Cost in USD from the catalog's per-million-token prices; cached input tokens are billed at the cached rate. */
export function costOf(usage: TokenUsage, pricing: ModelInfo['pricing']): number {
  const uncachedInput = Math.max(0, usage.inputTokens - usage.cachedTokens);
  const micro =
    uncachedInput * pricing.inputPerMTokUsd +
    usage.cachedTokens * pricing.cachedInputPerMTokUsd +
    usage.outputTokens * pricing.outputPerMTokUsd;
  return Number((micro / 1e6).toFixed(8));
}
