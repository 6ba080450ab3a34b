import { randomUUID } from 'node:crypto';
import { BudgetLimitsSchema, MAX_LEDGER_USD, UsageRecordedEventSchema } from './usage';

/** The ledger's cost and the budgets' limit columns are DECIMAL(14, 8): at most 999,999.99999999. */
describe('USD amounts the ledger can hold', () => {
  const record = (costUsd: number) => ({
    recordId: randomUUID(),
    userId: 'user-1',
    apiKeyId: null,
    service: 'media-gen',
    model: 'openai/gpt-image-1',
    status: 'succeeded',
    quantities: { images: 1 },
    estimated: false,
    costUsd,
    reference: null,
    occurredAt: new Date().toISOString(),
  });

  it('is the largest DECIMAL(14, 8), written to eight places as it is', () => {
    expect(MAX_LEDGER_USD.toFixed(8)).toBe('999999.99999999');
  });

  it('takes a usage record costing up to the column and refuses 1,000,000', () => {
    expect(UsageRecordedEventSchema.safeParse(record(MAX_LEDGER_USD)).success).toBe(true);
    expect(UsageRecordedEventSchema.safeParse(record(1_000_000)).success).toBe(false);
  });

  it('takes a budget up to the column and refuses 1,000,000', () => {
    expect(BudgetLimitsSchema.safeParse({ period: 'day', limitUsd: MAX_LEDGER_USD }).success).toBe(true);
    expect(BudgetLimitsSchema.safeParse({ period: 'day', limitUsd: 1_000_000 }).success).toBe(false);
  });
});
