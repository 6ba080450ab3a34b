import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Metering, type MeteredCaller } from '@conduit/metering';
import { BUILTIN_MODEL_PRICES, usdOfQuantities, type UnitPrices } from '@conduit/model-prices';
import type { Embedder, EmbeddingPurpose } from '../embeddings/embedder.port';

/** A generous bound on tokens per character, for the worst case a budget must hold before the call. */
const MAX_TOKENS_PER_CHAR = 0.5;

/**
 * Embeds with the given embedder on a user's behalf: a paid embedding is admitted against the caller's budgets first (its worst
 * case) and recorded with the tokens the provider counted; the offline embedding is free and not metered.
 */
@Injectable()
export class MeteredEmbedder {
  private readonly logger = new Logger(MeteredEmbedder.name);
  /** The catalog's prices per metered model, looked up once each. */
  private readonly prices = new Map<string, UnitPrices>();

  constructor(private readonly metering: Metering) {}

  async embed(
    embedder: Embedder,
    caller: MeteredCaller,
    texts: readonly string[],
    purpose: EmbeddingPurpose,
    reference: string | null,
  ): Promise<Float32Array[]> {
    const model = embedder.meteredModel;
    if (model === null) return (await embedder.embed(texts, purpose)).vectors;
    const chars = texts.reduce((sum, text) => sum + text.length, 0);
    const prices = this.pricesOf(model);
    const admission = await this.metering.admit(caller, [
      { quantities: { inputTokens: Math.ceil(chars * MAX_TOKENS_PER_CHAR) + texts.length }, prices },
    ]);
    let batch;
    try {
      batch = await embedder.embed(texts, purpose);
    } catch (error) {
      admission.release();
      throw error;
    }
    await admission.record({
      recordId: randomUUID(),
      model,
      status: 'complete',
      quantities: { inputTokens: batch.inputTokens },
      estimated: false,
      costUsd: usdOfQuantities(prices, { inputTokens: batch.inputTokens }),
      reference,
    });
    return batch.vectors;
  }

  private pricesOf(model: string): UnitPrices {
    let prices = this.prices.get(model);
    if (!prices) {
      const price = BUILTIN_MODEL_PRICES.find(model);
      if (price === undefined) {
        this.logger.warn(`no price for ${model} in the model price catalog: its usage is recorded at 0 USD`);
      }
      prices = price ?? { perInputToken: 0, perOutputToken: 0 };
      this.prices.set(model, prices);
    }
    return prices;
  }
}
