import { Module } from '@nestjs/common';
import { DatabaseModule } from '@conduit/service-kit';
import { BudgetRepository } from './budgets/budget.repository';
import { BudgetsHandler } from './budgets/budgets.handler';
import { BudgetsService } from './budgets/budgets.service';
import { LedgerCatchUp } from './ledger/ledger-catch-up';
import { LedgerWriter } from './ledger/ledger-writer';
import { UsageLedgerRepository } from './ledger/usage-ledger.repository';
import { UsageHandler } from './ledger/usage.handler';

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({
  imports: [DatabaseModule.forRoot()],
  controllers: [UsageHandler, BudgetsHandler],
  providers: [UsageLedgerRepository, LedgerCatchUp, LedgerWriter, BudgetRepository, BudgetsService],
})
export class AppModule {}
