import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { UsageContract } from '@conduit/contracts';
import type { ParsedRequestOf, ResponseOf } from '@conduit/contracts';
import { requireUserId } from '../sessions/require-user';
import { BudgetsService } from './budgets.service';
import { UsageLedgerRepository } from './usage-ledger.repository';

/** Usage summaries and budgets, always for the envelope's user. */
@Controller()
export class UsageHandler {
  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly budgets: BudgetsService,
  ) {}

  @HandleRequest(UsageContract.summarizeUsage)
  async summarize(
    @Payload() payload: ParsedRequestOf<typeof UsageContract.summarizeUsage>,
    @Ctx() ctx: BusContext,
  ): Promise<ResponseOf<typeof UsageContract.summarizeUsage>> {
    const summary = await this.ledger.summarize(
      requireUserId(ctx.envelope),
      new Date(payload.from),
      new Date(payload.to),
      payload.groupBy,
    );
    return { from: payload.from, to: payload.to, ...summary };
  }

  @HandleRequest(UsageContract.listBudgets)
  list(@Ctx() ctx: BusContext) {
    return this.budgets.list(requireUserId(ctx.envelope));
  }

  @HandleRequest(UsageContract.setBudget)
  set(@Payload() payload: ParsedRequestOf<typeof UsageContract.setBudget>, @Ctx() ctx: BusContext) {
    return this.budgets.set(requireUserId(ctx.envelope), payload.target, payload.limits);
  }

  @HandleRequest(UsageContract.deleteBudget)
  delete(@Payload() payload: ParsedRequestOf<typeof UsageContract.deleteBudget>, @Ctx() ctx: BusContext) {
    return this.budgets.delete(requireUserId(ctx.envelope), payload.target);
  }
}
