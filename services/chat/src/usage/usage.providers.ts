import type { Provider, Type } from '@nestjs/common';
import { BudgetPolicy } from './budget-policy';
import { BudgetRedis } from './budget-redis';
import { BudgetRepository } from './budget.repository';
import { BudgetsService } from './budgets.service';
import { UsageLedgerRepository } from './usage-ledger.repository';
import { UsageHandler } from './usage.handler';
import { UsageMeter } from './usage-meter.service';

/** Usage ledger, budgets and their enforcement: what the chat app module registers. */
export const usageProviders: Provider[] = [
  BudgetRedis,
  BudgetRepository,
  BudgetPolicy,
  BudgetsService,
  UsageLedgerRepository,
  UsageMeter,
];

export const usageHandlers: Type[] = [UsageHandler];
