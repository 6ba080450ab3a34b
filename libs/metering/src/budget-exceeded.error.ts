import { DomainError, ErrorCode, type BudgetExceededDetails } from '@conduit/contracts';
import type { BudgetLimit, Spend } from '@conduit/contracts';
import type { PeriodWindow } from './budget-period';
import type { CheckResult } from './budget-counters';
import { fromNanoUsd } from './money';

/** BUDGET_EXCEEDED (HTTP 402) naming the budget, where it stands, and when it resets. */
export function budgetExceeded(
  budget: BudgetLimit,
  window: PeriodWindow,
  refusal: Extract<CheckResult, { kind: 'refused' }>,
  ceiling: Spend,
): DomainError {
  const details: BudgetExceededDetails = {
    scope: budget.scope,
    apiKeyId: budget.scope === 'api_key' ? budget.scopeId : null,
    source: budget.source,
    period: budget.period,
    limit: refusal.limit,
    limitUsd: budget.limitNanoUsd === null ? null : fromNanoUsd(budget.limitNanoUsd),
    limitTokens: budget.limitTokens,
    spentUsd: fromNanoUsd(refusal.spent.nanoUsd),
    spentTokens: refusal.spent.tokens,
    reservedUsd: fromNanoUsd(refusal.held.nanoUsd),
    reservedTokens: refusal.held.tokens,
    requestMaxUsd: fromNanoUsd(ceiling.nanoUsd),
    requestMaxTokens: ceiling.tokens,
    resetsAt: window.end.toISOString(),
  };
  return new DomainError(ErrorCode.BudgetExceeded, messageFor(details), { ...details });
}

function messageFor(d: BudgetExceededDetails): string {
  const whose =
    d.source === 'deployment'
      ? `This deployment's ${PERIOD_ADJECTIVE[d.period]} budget per user`
      : d.scope === 'api_key'
        ? `This API key's ${PERIOD_ADJECTIVE[d.period]} budget`
        : `Your ${PERIOD_ADJECTIVE[d.period]} budget`;
  const standing =
    d.limit === 'usd'
      ? `of ${usd(d.limitUsd ?? 0)} cannot cover this request: ${usd(d.spentUsd)} spent, ${usd(d.reservedUsd)} held by answers in progress, and this request may cost up to ${usd(d.requestMaxUsd)}`
      : `of ${d.limitTokens ?? 0} tokens cannot cover this request: ${d.spentTokens} used, ${d.reservedTokens} held by answers in progress, and this request may use up to ${d.requestMaxTokens}`;
  return `${whose} ${standing}. It resets at ${d.resetsAt}.`;
}

const PERIOD_ADJECTIVE = { day: 'daily', month: 'monthly' } as const;

function usd(amount: number): string {
  return `$${amount.toFixed(8).replace(/\.?0+$/, '')}`;
}
