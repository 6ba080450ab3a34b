import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { ApiKeyOwnership } from './api-key-ownership';
import { BudgetsController } from './budgets.controller';
import { UsageController } from './usage.controller';

/** Usage summaries and budgets: relayed to the usage service, which keeps the ledger; every metering service enforces the budgets. */
@Module({
  imports: [IdentityModule],
  controllers: [UsageController, BudgetsController],
  providers: [ApiKeyOwnership],
})
export class UsageModule {}
