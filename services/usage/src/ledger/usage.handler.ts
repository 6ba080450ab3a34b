import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { UsageContract, requireUserId } from '@conduit/contracts';
import type { ParsedRequestOf, ResponseOf } from '@conduit/contracts';
import { LedgerCatchUp } from './ledger-catch-up';
import { UsageLedgerRepository } from './usage-ledger.repository';

/** The ledger read back: summaries for users, spend for metering services; always the envelope's user. */
@Controller()
export class UsageHandler {
  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly catchUp: LedgerCatchUp,
  ) {}

  @HandleRequest(UsageContract.summarizeUsage)
  async summarize(
    @Payload() payload: ParsedRequestOf<typeof UsageContract.summarizeUsage>,
    @Ctx() ctx: BusContext,
  ): Promise<ResponseOf<typeof UsageContract.summarizeUsage>> {
    const userId = requireUserId(ctx.envelope);
    await this.catchUp.wait();
    const summary = await this.ledger.summarize(
      userId,
      new Date(payload.from),
      new Date(payload.to),
      payload.groupBy,
    );
    return { from: payload.from, to: payload.to, ...summary };
  }

  @HandleRequest(UsageContract.spent)
  async spent(
    @Payload() payload: ParsedRequestOf<typeof UsageContract.spent>,
    @Ctx() ctx: BusContext,
  ): Promise<ResponseOf<typeof UsageContract.spent>> {
    const userId = requireUserId(ctx.envelope);
    await this.catchUp.wait();
    return this.ledger.spent(userId, payload.apiKeyId, new Date(payload.from), new Date(payload.to));
  }
}
