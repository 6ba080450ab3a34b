import { Injectable } from '@nestjs/common';
import { Metering, type Admission } from '@conduit/metering';
import { BUILTIN_MODEL_PRICES, costOfQuantities, type UnitPrices } from '@conduit/model-prices';
import type { CallerContext, OpenAiChatRequest } from '@conduit/contracts';

/** Output tokens held for a line that sets no max_tokens and whose model lists no limit. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface ProviderBatchUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

/**
 * Lines batched at their provider are metered here, at the model's batch prices (half the list price
 * where the provider offers it; the list price where the catalog names none): the worst case of every
 * line is held against the caller's budgets before the provider batch is submitted, and the usage of
 * its answers recorded once under an id fixed by the batch and model, so a resumed batch counts once.
 * Lines run through the chat service are metered by chat, as any completion.
 */
@Injectable()
export class BatchMetering {
  constructor(private readonly metering: Metering) {}

  /** BUDGET_EXCEEDED when the caller's budgets cannot take every line's worst case. */
  admit(owner: CallerContext & { userId: string }, model: string, bodies: readonly OpenAiChatRequest[]) {
    const maxOutput = BUILTIN_MODEL_PRICES.find(model)?.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    let inputTokens = 0;
    let outputTokens = 0;
    for (const body of bodies) {
      // Four characters a token is generous for English; the hold is settled to the real count.
      inputTokens += Math.ceil(JSON.stringify(body.messages).length / 4);
      outputTokens += body.max_completion_tokens ?? body.max_tokens ?? maxOutput;
    }
    return this.metering.admit(this.callerOf(owner), [
      { quantities: { inputTokens, outputTokens }, prices: this.pricesOf(model) },
    ]);
  }

  /** For a batch resumed after its worker died: its hold is gone with that worker, the usage is not. */
  admitResumed(owner: CallerContext & { userId: string }): Promise<Admission> {
    return this.metering.admit(this.callerOf(owner), []);
  }

  costOf(model: string, usage: ProviderBatchUsage): number {
    return costOfQuantities(this.pricesOf(model), usage);
  }

  async record(
    admission: Admission,
    recordId: string,
    model: string,
    reference: string,
    usage: ProviderBatchUsage,
  ) {
    await admission.record({
      recordId,
      model,
      status: 'succeeded',
      quantities: usage,
      estimated: false,
      costUsd: this.costOf(model, usage),
      reference,
    });
  }

  private pricesOf(model: string): UnitPrices {
    const price = BUILTIN_MODEL_PRICES.find(model);
    if (!price) return { perInputToken: 0, perOutputToken: 0 };
    return price.batch ?? price;
  }

  private callerOf(owner: CallerContext & { userId: string }) {
    return { userId: owner.userId, apiKeyId: owner.apiKeyId ?? null };
  }
}
