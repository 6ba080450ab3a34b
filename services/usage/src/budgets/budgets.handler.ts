import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { UsageContract, requireUserId } from '@conduit/contracts';
import type { ParsedRequestOf } from '@conduit/contracts';
import { BudgetsService } from './budgets.service';

/** Budgets, always the envelope's user's. */
@Controller()
export class BudgetsHandler {
  constructor(private readonly budgets: BudgetsService) {}

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

  @HandleRequest(UsageContract.budgetLimits)
  async limits(@Ctx() ctx: BusContext) {
    return { data: await this.budgets.limits(requireUserId(ctx.envelope)) };
  }
}
