export * from './model-prices';
export * from './quantity-cost';
