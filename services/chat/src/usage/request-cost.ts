import type { CompletionMessage, GenerationParams, TokenUsage } from '@conduit/contracts';
import type { ResolvedModel } from '../catalog/model-catalog';
import type { CompletionOutcome } from '../generation/completion-runner';
import { estimatePromptTokens } from '../generation/token-accounting';
import { toNanoUsd } from './money';

/** The most a completion may cost, in nano-USD and in tokens (input plus output). */
export interface CostCeiling {
  nanoUsd: number;
  tokens: number;
}

/**
 * The worst case of a completion, reserved against budgets before the provider is called: the prompt
 * estimate at the input price plus the full max output at the output price, for the dearest of the
 * models that may answer (the requested one and its fallbacks). Cached input is assumed uncached.
 */
export function costCeilingOf(
  candidates: readonly ResolvedModel[],
  messages: readonly CompletionMessage[],
  params: GenerationParams,
): CostCeiling {
  const promptTokens = estimatePromptTokens(messages);
  let nanoUsd = 0;
  let tokens = 0;
  for (const { info } of candidates) {
    // As the router caps it for each attempt.
    const maxOutput = Math.min(params.maxTokens ?? info.maxOutputTokens, info.maxOutputTokens);
    // Prices are per million tokens: tokens * price / 1e6 USD = tokens * price * 1e3 nano-USD.
    const exact =
      (promptTokens * info.pricing.inputPerMTokUsd + maxOutput * info.pricing.outputPerMTokUsd) * 1e3;
    // Rounded up, minus float noise, so an exact price never rounds one nano-dollar too high.
    nanoUsd = Math.max(nanoUsd, Math.ceil(exact - 1e-6));
    tokens = Math.max(tokens, promptTokens + maxOutput);
  }
  return { nanoUsd, tokens };
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

export function tokensOf(usage: TokenUsage): number {
  return usage.inputTokens + usage.outputTokens;
}

export function nanoUsdOf(billable: BillableUsage): number {
  return toNanoUsd(billable.costUsd);
}
