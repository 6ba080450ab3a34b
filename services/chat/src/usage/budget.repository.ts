import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { BudgetLimits, BudgetTarget } from '@conduit/contracts';
import type { Budget } from '../generated/prisma/client';
import { PrismaClient } from '../generated/prisma/client';

/** Budgets users set; every query is scoped to the owner. */
@Injectable()
export class BudgetRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The user's budget and their keys' budgets. */
  listOwned(userId: string): Promise<Budget[]> {
    return this.prisma.budget.findMany({
      where: { userId },
      orderBy: [{ scope: 'asc' }, { createdAt: 'asc' }],
    });
  }

  upsert(userId: string, target: BudgetTarget, limits: BudgetLimits): Promise<Budget> {
    const scopeId = scopeIdOf(userId, target);
    const values = {
      period: limits.period,
      limitUsd: limits.limitUsd === undefined ? null : limits.limitUsd.toFixed(8),
      limitTokens: limits.limitTokens === undefined ? null : BigInt(limits.limitTokens),
      updatedAt: new Date(),
    };
    return this.prisma.budget.upsert({
      where: { userId_scope_scopeId: { userId, scope: target.scope, scopeId } },
      create: { id: randomUUID(), userId, scope: target.scope, scopeId, ...values },
      update: values,
    });
  }

  async delete(userId: string, target: BudgetTarget): Promise<boolean> {
    const { count } = await this.prisma.budget.deleteMany({
      where: { userId, scope: target.scope, scopeId: scopeIdOf(userId, target) },
    });
    return count > 0;
  }
}

function scopeIdOf(userId: string, target: BudgetTarget): string {
  return target.scope === 'user' ? userId : target.apiKeyId;
}
