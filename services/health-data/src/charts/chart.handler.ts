import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { HealthDataContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { ChartService } from './chart.service';

/** Charts of the envelope's user's own metrics. */
@Controller()
export class ChartHandler {
  constructor(private readonly charts: ChartService) {}

  @HandleRequest(HealthDataContract.renderChart)
  async render(
    @Payload() payload: ParsedRequestOf<typeof HealthDataContract.renderChart>,
    @Ctx() ctx: BusContext,
  ) {
    return { svg: await this.charts.render(requireUserId(ctx.envelope), payload) };
  }
}
