import { BUILTIN_MODEL_PRICES, ModelPrices } from './model-prices';
import { costOfQuantities, perMillionTokens } from './quantity-cost';

describe('model price catalog', () => {
  it('reads LiteLLM-shaped entries: context window, token prices, cached input', () => {
    const price = BUILTIN_MODEL_PRICES.get('openai/gpt-4o-mini');
    expect(price).toMatchObject({
      provider: 'openai',
      mode: 'chat',
      maxInputTokens: 128_000,
      maxOutputTokens: 16_384,
    });
    expect(perMillionTokens(price.perInputToken)).toBe(0.15);
    expect(perMillionTokens(price.perOutputToken)).toBe(0.6);
    expect(perMillionTokens(price.perCachedInputToken)).toBe(0.075);
  });

  it('knows the batch API prices where the provider offers them: half the list price', () => {
    for (const id of ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5']) {
      const price = BUILTIN_MODEL_PRICES.get(id);
      expect(price.batch?.perInputToken).toBeCloseTo(price.perInputToken / 2, 15);
      expect(price.batch?.perOutputToken).toBeCloseTo(price.perOutputToken / 2, 15);
    }
    expect(BUILTIN_MODEL_PRICES.get('groq/llama-3.1-8b-instant').batch).toBeNull();
  });

  it('prices characters, seconds and images as well as tokens', () => {
    const tts = BUILTIN_MODEL_PRICES.get('openai/tts-1');
    expect(costOfQuantities(tts, { characters: 1_000_000 })).toBe(15);
    expect(costOfQuantities(BUILTIN_MODEL_PRICES.get('openai/whisper-1'), { seconds: 60 })).toBe(0.006);
    expect(costOfQuantities(BUILTIN_MODEL_PRICES.get('openai/dall-e-3'), { images: 2 })).toBe(0.08);
    expect(costOfQuantities(BUILTIN_MODEL_PRICES.get('openai/sora-2'), { seconds: 4 })).toBe(0.4);
  });

  it('prices realtime models’ audio tokens apart from their text tokens', () => {
    const price = BUILTIN_MODEL_PRICES.get('openai/gpt-realtime');
    expect(price.mode).toBe('realtime');
    expect(perMillionTokens(price.perInputToken)).toBe(4);
    expect(perMillionTokens(price.perOutputToken)).toBe(16);
    expect(perMillionTokens(price.perInputAudioToken)).toBe(32);
    expect(perMillionTokens(price.perOutputAudioToken)).toBe(64);
    expect(
      costOfQuantities(price, {
        inputTokens: 1_000_000,
        inputAudioTokens: 1_000_000,
        outputAudioTokens: 1_000_000,
      }),
    ).toBe(4 + 32 + 64);
    // Chat models have no audio price: audio tokens cost nothing there rather than a guess.
    expect(BUILTIN_MODEL_PRICES.get('openai/gpt-4o-mini').perInputAudioToken).toBe(0);
  });

  it('bills cached input at the cached price, never more cached tokens than input', () => {
    const price = BUILTIN_MODEL_PRICES.get('openai/gpt-4o-mini');
    expect(costOfQuantities(price, { inputTokens: 1_000, cachedTokens: 400, outputTokens: 100 })).toBe(
      Number((600 * 0.15e-6 + 400 * 0.075e-6 + 100 * 0.6e-6).toFixed(8)),
    );
    expect(costOfQuantities(price, { inputTokens: 10, cachedTokens: 50 })).toBe(
      costOfQuantities(price, { inputTokens: 10, cachedTokens: 10 }),
    );
  });

  it('keeps LiteLLM keys it does not use and refuses entries that do not fit the shape', () => {
    const prices = ModelPrices.parse({
      'x/m': { litellm_provider: 'x', mode: 'chat', input_cost_per_token: 1e-6, supports_vision: true },
    });
    expect(prices.get('x/m').perCachedInputToken).toBe(1e-6);
    expect(() =>
      ModelPrices.parse({ 'x/m': { litellm_provider: 'x', mode: 'chat', input_cost_per_token: -1 } }),
    ).toThrow();
    expect(() => ModelPrices.parse({ 'x/m': { mode: 'chat' } })).toThrow();
    expect(() => BUILTIN_MODEL_PRICES.get('nobody/nothing')).toThrow(/no price for model nobody\/nothing/);
  });
});
