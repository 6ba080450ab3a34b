import { z } from 'zod';
import type { UnitPrices } from './quantity-cost';
import catalogJson from '../model_prices_and_context_window.json';

/** What a priced model does; LiteLLM's `mode` values for the kinds this platform serves. */
export const ModelModeSchema = z.enum([
  'chat',
  'embedding',
  'audio_speech',
  'audio_transcription',
  'image_generation',
  'video_generation',
  'realtime',
]);
export type ModelMode = z.infer<typeof ModelModeSchema>;

const usdPerUnit = z.number().nonnegative().optional();

/**
 * One entry of LiteLLM's `model_prices_and_context_window.json`, in its own key names (USD per unit).
 * Keys this platform does not use (`supports_vision` and the like) are kept, so entries may be copied
 * from LiteLLM's file unchanged.
 */
export const ModelPriceEntrySchema = z.looseObject({
  litellm_provider: z.string().min(1),
  mode: ModelModeSchema,
  max_input_tokens: z.int().positive().optional(),
  max_output_tokens: z.int().positive().optional(),
  input_cost_per_token: usdPerUnit,
  output_cost_per_token: usdPerUnit,
  cache_read_input_token_cost: usdPerUnit,
  /** Through the provider's batch API (OpenAI's Batch API, Anthropic's Message Batches). */
  input_cost_per_token_batches: usdPerUnit,
  output_cost_per_token_batches: usdPerUnit,
  /** Realtime (speech-to-speech) models price audio tokens apart from text tokens. */
  input_cost_per_audio_token: usdPerUnit,
  output_cost_per_audio_token: usdPerUnit,
  input_cost_per_character: usdPerUnit,
  output_cost_per_character: usdPerUnit,
  input_cost_per_second: usdPerUnit,
  output_cost_per_second: usdPerUnit,
  output_cost_per_image: usdPerUnit,
  /**
   * Not in LiteLLM's map: one image's price by `<quality>/<width>x<height>` where the provider's price
   * depends on them (OpenAI's image models); `output_cost_per_image` stays the price of the default.
   */
  output_cost_per_image_by_variant: z
    .record(
      z.string().regex(/^[a-z]+\/\d+x\d+$/, 'must be <quality>/<width>x<height>'),
      z.number().nonnegative(),
    )
    .optional(),
  /** Not in LiteLLM's map: a second of video's price by `<width>x<height>` where it depends on it. */
  output_cost_per_second_by_size: z
    .record(z.string().regex(/^\d+x\d+$/, 'must be <width>x<height>'), z.number().nonnegative())
    .optional(),
});
export type ModelPriceEntry = z.infer<typeof ModelPriceEntrySchema>;

export const ModelPriceCatalogSchema = z.record(z.string().min(1), ModelPriceEntrySchema);

/** A model's limits and unit prices, USD per unit; a price the catalog does not name is 0. */
export interface ModelPrice extends Required<UnitPrices> {
  /** `<provider>/<model>`, as the platform names models. */
  id: string;
  provider: string;
  mode: ModelMode;
  /** The context window, in tokens; null where the model takes no tokens. */
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  perInputToken: number;
  perOutputToken: number;
  /** Input tokens read from the provider's prompt cache; the input price where none is listed. */
  perCachedInputToken: number;
  /** Audio tokens in and out (realtime models); 0 where the model takes none. */
  perInputAudioToken: number;
  perOutputAudioToken: number;
  /** Characters in (speech synthesis) or out. */
  perCharacter: number;
  /** Seconds of audio in (transcription) or of video out. */
  perSecond: number;
  perImage: number;
  /** One image's price by `<quality>/<width>x<height>`, where it depends on them (see `imagePricesOf`). */
  perImageByVariant: Readonly<Record<string, number>>;
  /** A second of video's price by `<width>x<height>`, where it depends on it (see `videoPricesOf`). */
  perSecondBySize: Readonly<Record<string, number>>;
  /**
   * The token prices of the provider's batch API (half the list price at OpenAI and Anthropic); null
   * where the catalog names none.
   */
  batch: UnitPrices | null;
}

export function modelPriceOf(id: string, entry: ModelPriceEntry): ModelPrice {
  const perInputToken = entry.input_cost_per_token ?? 0;
  const perCachedInputToken = entry.cache_read_input_token_cost ?? perInputToken;
  const batchInput = entry.input_cost_per_token_batches;
  const batchOutput = entry.output_cost_per_token_batches;
  return {
    id,
    provider: entry.litellm_provider,
    mode: entry.mode,
    maxInputTokens: entry.max_input_tokens ?? null,
    maxOutputTokens: entry.max_output_tokens ?? null,
    perInputToken,
    perOutputToken: entry.output_cost_per_token ?? 0,
    perCachedInputToken,
    perInputAudioToken: entry.input_cost_per_audio_token ?? 0,
    perOutputAudioToken: entry.output_cost_per_audio_token ?? 0,
    perCharacter: entry.input_cost_per_character ?? entry.output_cost_per_character ?? 0,
    perSecond: entry.input_cost_per_second ?? entry.output_cost_per_second ?? 0,
    perImage: entry.output_cost_per_image ?? 0,
    perImageByVariant: entry.output_cost_per_image_by_variant ?? {},
    perSecondBySize: entry.output_cost_per_second_by_size ?? {},
    batch:
      batchInput === undefined && batchOutput === undefined
        ? null
        : {
            perInputToken: batchInput ?? perInputToken,
            perOutputToken: batchOutput ?? entry.output_cost_per_token ?? 0,
            perCachedInputToken: Math.min(perCachedInputToken, batchInput ?? perInputToken),
          },
  };
}

/** Prices and context windows by model id, read from data rather than written as code. */
export class ModelPrices {
  private readonly byId: ReadonlyMap<string, ModelPrice>;

  constructor(entries: Record<string, ModelPriceEntry>) {
    this.byId = new Map(Object.entries(entries).map(([id, entry]) => [id, modelPriceOf(id, entry)]));
  }

  /** Parses a catalog in LiteLLM's shape; throws naming the first entry that does not fit it. */
  static parse(json: unknown): ModelPrices {
    return new ModelPrices(ModelPriceCatalogSchema.parse(json));
  }

  find(id: string): ModelPrice | undefined {
    return this.byId.get(id);
  }

  /** For models the platform ships with: a missing entry is a bug, not a free model. */
  get(id: string): ModelPrice {
    const price = this.byId.get(id);
    if (!price) throw new Error(`no price for model ${id} in the model price catalog`);
    return price;
  }

  list(): ModelPrice[] {
    return [...this.byId.values()];
  }
}

/** The catalog shipped with the platform (`model_prices_and_context_window.json`). */
export const BUILTIN_MODEL_PRICES = ModelPrices.parse(catalogJson);
