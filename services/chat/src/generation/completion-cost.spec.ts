import type { CompletionMessage, GenerationParams, ModelInfo } from '@conduit/contracts';
import { ceilingOf, toNanoUsd } from '@conduit/metering';
import type { ResolvedModel } from '../catalog/model-catalog';
import { billableUsageOf, usageEstimatesOf } from './completion-cost';
import type { CompletionOutcome } from './completion-runner';
import { costOf } from './token-accounting';

/** What metering holds for a completion: the dearest of its estimates. */
const costCeilingOf = (
  candidates: readonly ResolvedModel[],
  messages: readonly CompletionMessage[],
  params: GenerationParams,
) => ceilingOf(usageEstimatesOf(candidates, messages, params));

function model(id: string, pricing: Partial<ModelInfo['pricing']>, maxOutputTokens = 1_000): ResolvedModel {
  return {
    info: {
      id,
      provider: id.split('/')[0]!,
      name: id,
      contextWindow: 100_000,
      maxOutputTokens,
      pricing: { inputPerMTokUsd: 0, outputPerMTokUsd: 0, cachedInputPerMTokUsd: 0, ...pricing },
      capabilities: ['streaming'],
      available: true,
    },
    provider: {} as ResolvedModel['provider'],
    providerModel: id.split('/')[1]!,
  };
}

const mini = model('openai/gpt-4o-mini', { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 }, 16_384);
const hi = [{ role: 'user' as const, content: 'hi' }];

describe('costCeilingOf: the worst case reserved before the provider is called', () => {
  it('prices the prompt estimate at the input price and the full max output at the output price', () => {
    // "hi": one estimated token plus four of message framing.
    const ceiling = costCeilingOf([mini], hi, {});
    expect(ceiling.tokens).toBe(5 + 16_384);
    expect(ceiling.nanoUsd).toBe(toNanoUsd((5 * 0.15 + 16_384 * 0.6) / 1e6));
  });

  it("honours the request's max tokens, capped as the router caps them", () => {
    expect(costCeilingOf([mini], hi, { maxTokens: 10 })).toEqual({ nanoUsd: 6_750, tokens: 15 });
    expect(costCeilingOf([mini], hi, { maxTokens: 1_000_000 }).tokens).toBe(5 + 16_384);
  });

  it('equals the actual cost of a call that uses exactly its worst case (no rounding up by float noise)', () => {
    const actual = costOf(
      { inputTokens: 5, outputTokens: 10, cachedTokens: 0, estimated: false },
      mini.info.pricing,
    );
    expect(toNanoUsd(actual)).toBe(costCeilingOf([mini], hi, { maxTokens: 10 }).nanoUsd);
  });

  it('takes the dearest of the model and its fallbacks', () => {
    const dear = model('anthropic/opus', { inputPerMTokUsd: 15, outputPerMTokUsd: 75 }, 500);
    const long = model('openai/long', { inputPerMTokUsd: 0, outputPerMTokUsd: 0 }, 50_000);
    const ceiling = costCeilingOf([mini, dear, long], hi, {});
    expect(ceiling.nanoUsd).toBe(toNanoUsd((5 * 15 + 500 * 75) / 1e6));
    expect(ceiling.tokens).toBe(5 + 50_000);
  });

  it('is zero for free models (budgets then only count tokens)', () => {
    expect(costCeilingOf([model('ollama/llama', {})], hi, {}).nanoUsd).toBe(0);
  });
});

describe('billableUsageOf: what a completion is charged', () => {
  const outcome = (over: Partial<CompletionOutcome>): CompletionOutcome => ({
    status: 'complete',
    model: mini,
    text: 'some text',
    usage: { inputTokens: 10, outputTokens: 3, cachedTokens: 0, estimated: false },
    costUsd: 0.0000033,
    finishReason: 'stop',
    error: null,
    attempts: [],
    ...over,
  });

  it('charges what the provider reported', () => {
    expect(billableUsageOf(outcome({}))).toEqual({
      usage: { inputTokens: 10, outputTokens: 3, cachedTokens: 0, estimated: false },
      costUsd: 0.0000033,
    });
  });

  it('charges the estimate of a failed or cancelled answer that produced text', () => {
    const usage = { inputTokens: 10, outputTokens: 2, cachedTokens: 0, estimated: true };
    expect(billableUsageOf(outcome({ status: 'failed', usage, costUsd: 0.000002 }))).toEqual({
      usage,
      costUsd: 0.000002,
    });
  });

  it('charges nothing for a call that produced nothing and reported nothing', () => {
    for (const status of ['failed', 'cancelled', 'interrupted'] as const) {
      const billed = billableUsageOf(
        outcome({
          status,
          text: '',
          usage: { inputTokens: 10, outputTokens: 0, cachedTokens: 0, estimated: true },
          costUsd: 0.0000015,
        }),
      );
      expect(billed).toEqual({
        usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: true },
        costUsd: 0,
      });
    }
  });

  it('still charges a failed call the provider reported usage for', () => {
    const usage = { inputTokens: 10, outputTokens: 0, cachedTokens: 0, estimated: false };
    expect(billableUsageOf(outcome({ status: 'failed', text: '', usage, costUsd: 0.0000015 })).usage).toBe(
      usage,
    );
  });
});
