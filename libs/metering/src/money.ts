/**
 * Budgets count money in integer nano-dollars (1e-9 USD): exact in Redis counters and Lua, and finer
 * than the ledger's 8 decimals. Doubles hold integers exactly up to 2^53, about 9 million USD.
 */
export const NANO_PER_USD = 1e9;

export function toNanoUsd(usd: number): number {
  return Math.round(usd * NANO_PER_USD);
}

export function fromNanoUsd(nano: number): number {
  return Number((nano / NANO_PER_USD).toFixed(9));
}
