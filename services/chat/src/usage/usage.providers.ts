import type { Provider, Type } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { SERVICE_CONFIG } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import { BudgetCache } from './budget-cache';
import { BudgetChanges } from './budget-changes';
import { activeBudgetOf, BudgetPolicy } from './budget-policy';
import { BudgetRepository } from './budget.repository';
import { BudgetsService } from './budgets.service';
import { UsageLedgerRepository } from './usage-ledger.repository';
import { UsageHandler } from './usage.handler';
import { UsageMeter } from './usage-meter.service';

/** Usage ledger, budgets and their enforcement: what the chat app module registers. */
export const usageProviders: Provider[] = [
  BudgetRepository,
  {
    provide: BudgetCache,
    useFactory: (budgets: BudgetRepository, config: ChatConfig) =>
      new BudgetCache((userId) => budgets.listOwned(userId).then((rows) => rows.map(activeBudgetOf)), {
        ttlMs: config.CHAT_BUDGET_CACHE_TTL_MS,
        maxUsers: config.CHAT_BUDGET_CACHE_MAX_USERS,
      }),
    inject: [BudgetRepository, SERVICE_CONFIG],
  },
  // Built while the app is, so every replica hears of changes before it serves its first request.
  {
    provide: BudgetChanges,
    useFactory: (bus: Bus, cache: BudgetCache) => BudgetChanges.subscribe(bus, cache),
    inject: [Bus, BudgetCache],
  },
  BudgetPolicy,
  BudgetsService,
  UsageLedgerRepository,
  UsageMeter,
];

export const usageHandlers: Type[] = [UsageHandler];
