import { Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type Budget,
  type BudgetLimits,
  type BudgetList,
  type BudgetTarget,
} from '@conduit/contracts';
import { BudgetChanges } from './budget-changes';
import { periodWindow } from './budget-period';
import { ActiveBudget, BudgetPolicy } from './budget-policy';
import { BudgetRepository } from './budget.repository';
import { fromNanoUsd } from './money';
import { UsageLedgerRepository } from './usage-ledger.repository';

/** Budgets as their owner manages them, each with its current period's spend from the ledger. */
@Injectable()
export class BudgetsService {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly policy: BudgetPolicy,
    private readonly ledger: UsageLedgerRepository,
    private readonly changes: BudgetChanges,
  ) {}

  async list(userId: string): Promise<BudgetList> {
    const budgets = await this.policy.owned(userId);
    return { data: await Promise.all(budgets.map((budget) => this.view(userId, budget))) };
  }

  /** Creates or replaces the budget of the target; the gateway has checked that a key is the user's. */
  async set(userId: string, target: BudgetTarget, limits: BudgetLimits): Promise<Budget> {
    await this.budgets.upsert(userId, target, limits);
    await this.changes.announce(userId);
    const budget = (await this.policy.owned(userId)).find(
      (b) => b.source === 'user' && b.scope === target.scope && b.scopeId === scopeIdOf(userId, target),
    );
    if (!budget) throw new Error('a budget just stored could not be read back');
    return this.view(userId, budget);
  }

  async delete(userId: string, target: BudgetTarget): Promise<{ deleted: true }> {
    if (!(await this.budgets.delete(userId, target))) {
      throw new DomainError(
        ErrorCode.NotFound,
        target.scope === 'user' ? 'You have no budget of your own' : 'That API key has no budget',
      );
    }
    await this.changes.announce(userId);
    return { deleted: true };
  }

  private async view(userId: string, budget: ActiveBudget): Promise<Budget> {
    const window = periodWindow(budget.period, new Date());
    const spent = await this.ledger.spent(
      userId,
      budget.scope === 'api_key' ? budget.scopeId : null,
      window.start,
      window.end,
    );
    return {
      scope: budget.scope,
      apiKeyId: budget.scope === 'api_key' ? budget.scopeId : null,
      source: budget.source,
      period: budget.period,
      limitUsd: budget.limitNanoUsd === null ? null : fromNanoUsd(budget.limitNanoUsd),
      limitTokens: budget.limitTokens,
      spentUsd: fromNanoUsd(spent.nanoUsd),
      spentTokens: spent.tokens,
      periodStart: window.start.toISOString(),
      resetsAt: window.end.toISOString(),
      updatedAt: budget.updatedAt?.toISOString() ?? null,
    };
  }
}

function scopeIdOf(userId: string, target: BudgetTarget): string {
  return target.scope === 'user' ? userId : target.apiKeyId;
}
