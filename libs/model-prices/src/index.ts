export * from './model-prices';
export * from './quantity-cost';
export * from './media-variant-prices';
