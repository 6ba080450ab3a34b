import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { HealthDataContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { OverviewService } from './overview.service';

/** The envelope's user's health overview. */
@Controller()
export class OverviewHandler {
  constructor(private readonly overviews: OverviewService) {}

  @HandleRequest(HealthDataContract.getOverview)
  overview(
    @Payload() payload: ParsedRequestOf<typeof HealthDataContract.getOverview>,
    @Ctx() ctx: BusContext,
  ) {
    return this.overviews.overview(requireUserId(ctx.envelope), payload);
  }
}
