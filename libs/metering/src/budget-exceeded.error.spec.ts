import { ErrorCode } from '@conduit/contracts';
import { budgetExceeded } from './budget-exceeded.error';
import { periodWindow } from './budget-period';

describe('budgetExceeded', () => {
  const window = periodWindow('day', new Date('2026-11-21T12:00:00Z'));

  it('names the budget, where it stands, what the request needed and when it resets', () => {
    const error = budgetExceeded(
      {
        scope: 'api_key',
        scopeId: 'key-1',
        source: 'user',
        period: 'day',
        limitNanoUsd: 5_000_000_000,
        limitTokens: null,
        updatedAt: null,
      },
      window,
      {
        kind: 'refused',
        budgetIndex: 0,
        limit: 'usd',
        spent: { nanoUsd: 4_990_000_000, tokens: 812_344 },
        held: { nanoUsd: 1_500_000, tokens: 900 },
      },
      { nanoUsd: 9_831_300, tokens: 16_390 },
    );
    expect(error.code).toBe(ErrorCode.BudgetExceeded);
    expect(error.message).toBe(
      "This API key's daily budget of $5 cannot cover this request: $4.99 spent, $0.0015 held by answers " +
        'in progress, and this request may cost up to $0.0098313. It resets at 2026-11-22T00:00:00.000Z.',
    );
    expect(error.details).toEqual({
      scope: 'api_key',
      apiKeyId: 'key-1',
      source: 'user',
      period: 'day',
      limit: 'usd',
      limitUsd: 5,
      limitTokens: null,
      spentUsd: 4.99,
      spentTokens: 812_344,
      reservedUsd: 0.0015,
      reservedTokens: 900,
      requestMaxUsd: 0.0098313,
      requestMaxTokens: 16_390,
      resetsAt: '2026-11-22T00:00:00.000Z',
    });
  });

  it('speaks of tokens for a token cap, and of the deployment for its budget', () => {
    const error = budgetExceeded(
      {
        scope: 'user',
        scopeId: 'u',
        source: 'deployment',
        period: 'month',
        limitNanoUsd: null,
        limitTokens: 100_000,
        updatedAt: null,
      },
      periodWindow('month', new Date('2026-11-21T12:00:00Z')),
      {
        kind: 'refused',
        budgetIndex: 0,
        limit: 'tokens',
        spent: { nanoUsd: 0, tokens: 99_000 },
        held: { nanoUsd: 0, tokens: 0 },
      },
      { nanoUsd: 1, tokens: 16_390 },
    );
    expect(error.message).toBe(
      "This deployment's monthly budget per user of 100000 tokens cannot cover this request: 99000 used, " +
        '0 held by answers in progress, and this request may use up to 16390. It resets at 2026-12-01T00:00:00.000Z.',
    );
  });
});
