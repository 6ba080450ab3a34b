import type { CompletionMessage, GenerationParams, TokenUsage } from '@conduit/contracts';
import type { UsageEstimate } from '@conduit/metering';
import type { ResolvedModel } from '../catalog/model-catalog';
import type { CompletionOutcome } from './completion-runner';
import { estimatePromptTokens } from './token-accounting';

/**
 * The worst case of a completion, one estimate per model that may answer (the requested one and its
 * fallbacks; metering holds the dearest): the prompt estimate at the input price plus the full max
 * output at the output price. Cached input is assumed uncached.
 */
export function usageEstimatesOf(
  candidates: readonly ResolvedModel[],
  messages: readonly CompletionMessage[],
  params: GenerationParams,
): UsageEstimate[] {
  const promptTokens = estimatePromptTokens(messages);
  return candidates.map(({ info }) => ({
    quantities: {
      inputTokens: promptTokens,
      // As the router caps it for each attempt.
      outputTokens: Math.min(params.maxTokens ?? info.maxOutputTokens, info.maxOutputTokens),
    },
    prices: {
      perInputToken: info.pricing.inputPerMTokUsd / 1e6,
      perOutputToken: info.pricing.outputPerMTokUsd / 1e6,
      perCachedInputToken: info.pricing.cachedInputPerMTokUsd / 1e6,
    },
  }));
}

export interface BillableUsage {
  usage: TokenUsage;
  costUsd: number;
}

const NOTHING: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: true };

/**
 * What a completion is charged: the runner's usage and cost, except for one that ended without a word
 * and without the provider reporting usage (refused, unreachable, cancelled before it started). Providers
 * bill no such call, so neither do we, rather than charging an estimate of a prompt nobody read.
 */
export function billableUsageOf(outcome: CompletionOutcome): BillableUsage {
  if (outcome.status !== 'complete' && outcome.text.length === 0 && outcome.usage.estimated) {
    return { usage: NOTHING, costUsd: 0 };
  }
  return { usage: outcome.usage, costUsd: outcome.costUsd };
}
