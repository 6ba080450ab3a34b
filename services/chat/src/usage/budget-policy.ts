import { Injectable } from '@nestjs/common';
import type { BudgetPeriod, BudgetScope } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import type { Budget } from '../generated/prisma/client';
import { BudgetCache } from './budget-cache';
import { BudgetRepository } from './budget.repository';
import { toNanoUsd } from './money';

/** A budget as enforcement sees it: limits in nano-USD and tokens, null where none. */
export interface ActiveBudget {
  scope: BudgetScope;
  /** The user id for user budgets, the key id for key budgets. */
  scopeId: string;
  source: 'user' | 'deployment';
  period: BudgetPeriod;
  limitNanoUsd: number | null;
  limitTokens: number | null;
  updatedAt: Date | null;
}

/**
 * Which budgets apply: those the user set (for themselves, and for the key a call came with), and the
 * deployment's per-user budget from CHAT_USER_BUDGET_*, which every user has and cannot lift: a user's
 * own budget can only be stricter, since both are enforced. Admission reads the user's budgets from the
 * cache; listing them reads Postgres.
 */
@Injectable()
export class BudgetPolicy {
  private readonly deploymentBudget: Omit<ActiveBudget, 'scopeId'> | null;

  constructor(
    private readonly budgets: BudgetRepository,
    private readonly cache: BudgetCache,
    @InjectConfig() config: ChatConfig,
  ) {
    const usd = config.CHAT_USER_BUDGET_USD;
    const tokens = config.CHAT_USER_BUDGET_TOKENS;
    this.deploymentBudget =
      usd === undefined && tokens === undefined
        ? null
        : {
            scope: 'user',
            source: 'deployment',
            period: config.CHAT_USER_BUDGET_PERIOD,
            limitNanoUsd: usd === undefined ? null : toNanoUsd(usd),
            limitTokens: tokens ?? null,
            updatedAt: null,
          };
  }

  /** The key's budget before the user's: a call over both is refused in the name of the more specific. */
  async applicable(userId: string, apiKeyId: string | null): Promise<ActiveBudget[]> {
    const own = await this.cache.get(userId);
    const keyBudget = own.find((b) => b.scope === 'api_key' && b.scopeId === apiKeyId);
    const userBudget = own.find((b) => b.scope === 'user' && b.scopeId === userId);
    return this.withDeployment(
      userId,
      [keyBudget, userBudget].filter((b) => b !== undefined),
    );
  }

  async owned(userId: string): Promise<ActiveBudget[]> {
    return this.withDeployment(userId, (await this.budgets.listOwned(userId)).map(activeBudgetOf));
  }

  private withDeployment(userId: string, own: ActiveBudget[]): ActiveBudget[] {
    return this.deploymentBudget ? [{ ...this.deploymentBudget, scopeId: userId }, ...own] : own;
  }
}

export function activeBudgetOf(row: Budget): ActiveBudget {
  return {
    scope: row.scope,
    scopeId: row.scopeId,
    source: 'user',
    period: row.period,
    limitNanoUsd: row.limitUsd === null ? null : toNanoUsd(row.limitUsd.toNumber()),
    limitTokens: row.limitTokens === null ? null : Number(row.limitTokens),
    updatedAt: row.updatedAt,
  };
}
