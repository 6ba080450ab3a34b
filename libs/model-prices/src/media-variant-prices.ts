import type { ModelPrice } from './model-prices';

/** What an image job asks for, as far as its price depends on it. */
export interface ImageVariant {
  /** Absent or `auto`: the provider picks (gpt-image-1 says afterwards which it took). */
  quality?: string | null;
  /** `<width>x<height>`. */
  size: string;
}

/**
 * A model's prices with `perImage` for one image of this quality and size: the catalog's price for that
 * variant where it lists one, else the model's flat price. A quality the provider picks (`auto`) is priced
 * by the flat price too; hold {@link highestImagePricesOf} against budgets before knowing it.
 */
export function imagePricesOf(price: ModelPrice, variant: ImageVariant): ModelPrice {
  const listed =
    variant.quality && variant.quality !== 'auto'
      ? price.perImageByVariant[`${variant.quality}/${variant.size}`]
      : undefined;
  return listed === undefined ? price : { ...price, perImage: listed };
}

/**
 * A model's prices with `perImage` at the most one image of this size can cost at any quality the
 * catalog lists (at least the flat price): what a job whose quality is not known yet holds.
 */
export function highestImagePricesOf(price: ModelPrice, size: string): ModelPrice {
  const ofSize = Object.entries(price.perImageByVariant)
    .filter(([variant]) => variant.endsWith(`/${size}`))
    .map(([, usd]) => usd);
  return { ...price, perImage: Math.max(price.perImage, ...ofSize) };
}

/** A model's prices with `perSecond` for video of this size, where the catalog lists one. */
export function videoPricesOf(price: ModelPrice, size: string): ModelPrice {
  const listed = price.perSecondBySize[size];
  return listed === undefined ? price : { ...price, perSecond: listed };
}
