import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import { Bus } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  UsageContract,
  type Budget,
  type BudgetLimit,
  type BudgetLimits,
  type BudgetList,
  type BudgetTarget,
} from '@conduit/contracts';
import { fromNanoUsd, periodWindow, toNanoUsd } from '@conduit/metering';
import type { UsageConfig } from '../config';
import { LedgerCatchUp } from '../ledger/ledger-catch-up';
import { UsageLedgerRepository } from '../ledger/usage-ledger.repository';
import { BudgetRepository, scopeIdOf } from './budget.repository';

/**
 * Budgets as their owner manages them, each with its current period's spend from the ledger, plus the
 * deployment's per-user budget from USAGE_USER_BUDGET_*, which every user has and cannot lift: a user's
 * own budget can only be stricter, since metering enforces both. Every change is announced on
 * usage.budget.changed, so every metering replica drops its cached copy at once.
 */
@Injectable()
export class BudgetsService {
  private readonly logger = new Logger(BudgetsService.name);
  private readonly deploymentBudget: Omit<BudgetLimit, 'scopeId'> | null;

  constructor(
    private readonly budgets: BudgetRepository,
    private readonly ledger: UsageLedgerRepository,
    private readonly catchUp: LedgerCatchUp,
    private readonly bus: Bus,
    @InjectConfig() config: UsageConfig,
  ) {
    const usd = config.USAGE_USER_BUDGET_USD;
    const tokens = config.USAGE_USER_BUDGET_TOKENS;
    this.deploymentBudget =
      usd === undefined && tokens === undefined
        ? null
        : {
            scope: 'user',
            source: 'deployment',
            period: config.USAGE_USER_BUDGET_PERIOD,
            limitNanoUsd: usd === undefined ? null : toNanoUsd(usd),
            limitTokens: tokens ?? null,
            updatedAt: null,
          };
  }

  /** Every budget of the user (deployment's first), limits only: what metering enforces. */
  async limits(userId: string): Promise<BudgetLimit[]> {
    const own = await this.budgets.listOwned(userId);
    return this.deploymentBudget ? [{ ...this.deploymentBudget, scopeId: userId }, ...own] : own;
  }

  async list(userId: string): Promise<BudgetList> {
    const budgets = await this.limits(userId);
    await this.catchUp.wait();
    return { data: await Promise.all(budgets.map((budget) => this.view(userId, budget))) };
  }

  /** Creates or replaces the budget of the target; the gateway has checked that a key is the user's. */
  async set(userId: string, target: BudgetTarget, limits: BudgetLimits): Promise<Budget> {
    await this.budgets.upsert(userId, target, limits);
    await this.announce(userId);
    const scopeId = scopeIdOf(userId, target);
    const budget = (await this.budgets.listOwned(userId)).find(
      (b) => b.scope === target.scope && b.scopeId === scopeId,
    );
    if (!budget) throw new Error('a budget just stored could not be read back');
    await this.catchUp.wait();
    return this.view(userId, budget);
  }

  async delete(userId: string, target: BudgetTarget): Promise<{ deleted: true }> {
    if (!(await this.budgets.delete(userId, target))) {
      throw new DomainError(
        ErrorCode.NotFound,
        target.scope === 'user' ? 'You have no budget of your own' : 'That API key has no budget',
      );
    }
    await this.announce(userId);
    return { deleted: true };
  }

  /** Never throws: a replica that misses the news catches up as its cached copy expires. */
  private async announce(userId: string): Promise<void> {
    try {
      await this.bus.publish(UsageContract.budgetsChanged, { userId }, { userId });
    } catch (error) {
      this.logger.warn(
        `could not announce a budget change of ${userId}; metering replicas see it when their copy expires: ${String(error)}`,
      );
    }
  }

  private async view(userId: string, budget: BudgetLimit): Promise<Budget> {
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
      updatedAt: budget.updatedAt,
    };
  }
}
