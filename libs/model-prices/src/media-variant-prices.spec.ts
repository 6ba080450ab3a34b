import { highestImagePricesOf, imagePricesOf, videoPricesOf } from './media-variant-prices';
import { BUILTIN_MODEL_PRICES, ModelPrices } from './model-prices';
import { costOfQuantities } from './quantity-cost';

describe('image and video prices by quality and size', () => {
  const gptImage = BUILTIN_MODEL_PRICES.get('openai/gpt-image-1');
  const dallE3 = BUILTIN_MODEL_PRICES.get('openai/dall-e-3');

  it("prices an image at its quality and size, as OpenAI's price list does", () => {
    expect(imagePricesOf(dallE3, { quality: 'standard', size: '1024x1024' }).perImage).toBe(0.04);
    expect(imagePricesOf(dallE3, { quality: 'hd', size: '1792x1024' }).perImage).toBe(0.12);
    expect(imagePricesOf(gptImage, { quality: 'low', size: '1024x1024' }).perImage).toBe(0.011);
    expect(imagePricesOf(gptImage, { quality: 'high', size: '1536x1024' }).perImage).toBe(0.25);
    const twoHd = costOfQuantities(imagePricesOf(dallE3, { quality: 'hd', size: '1024x1792' }), {
      images: 2,
    });
    expect(twoHd).toBe(0.24);
  });

  it('falls back to the flat price where the quality is the provider’s pick or the variant is not listed', () => {
    expect(imagePricesOf(gptImage, { quality: 'auto', size: '1024x1024' }).perImage).toBe(gptImage.perImage);
    expect(imagePricesOf(gptImage, { size: '1024x1024' }).perImage).toBe(gptImage.perImage);
    const core = BUILTIN_MODEL_PRICES.get('stability/stable-image-core');
    expect(imagePricesOf(core, { quality: 'auto', size: '1024x1024' })).toBe(core);
  });

  it('holds the dearest quality of a size while the quality is not known', () => {
    expect(highestImagePricesOf(gptImage, '1024x1024').perImage).toBe(0.167);
    expect(highestImagePricesOf(gptImage, '1024x1536').perImage).toBe(0.25);
    expect(highestImagePricesOf(dallE3, '1024x1024').perImage).toBe(0.08);
    const core = BUILTIN_MODEL_PRICES.get('stability/stable-image-core');
    expect(highestImagePricesOf(core, '1024x1024').perImage).toBe(core.perImage);
  });

  it('prices a second of video by its size where that changes the price', () => {
    const pro = BUILTIN_MODEL_PRICES.get('openai/sora-2-pro');
    expect(costOfQuantities(videoPricesOf(pro, '1280x720'), { seconds: 4 })).toBe(1.2);
    expect(costOfQuantities(videoPricesOf(pro, '1792x1024'), { seconds: 4 })).toBe(2);
    const offline = BUILTIN_MODEL_PRICES.get('offline/placeholder-video');
    expect(videoPricesOf(offline, '1280x720')).toBe(offline);
  });

  it('refuses variant keys that are not <quality>/<width>x<height> or <width>x<height>', () => {
    const entry = { litellm_provider: 'x', mode: 'image_generation', output_cost_per_image: 0.01 };
    expect(() =>
      ModelPrices.parse({ 'x/m': { ...entry, output_cost_per_image_by_variant: { hd: 0.02 } } }),
    ).toThrow(/<quality>\/<width>x<height>/);
    expect(() =>
      ModelPrices.parse({ 'x/m': { ...entry, output_cost_per_second_by_size: { '720p': 0.02 } } }),
    ).toThrow(/<width>x<height>/);
  });
});
