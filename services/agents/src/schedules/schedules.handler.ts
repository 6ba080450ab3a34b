import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsSchedulesContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { SchedulesService } from './schedules.service';

const Contract = AgentsSchedulesContract;

/** Schedules, always the envelope's user's. */
@Controller()
export class SchedulesHandler {
  constructor(private readonly schedules: SchedulesService) {}

  @HandleRequest(Contract.createSchedule)
  create(@Payload() payload: ParsedRequestOf<typeof Contract.createSchedule>, @Ctx() ctx: BusContext) {
    return this.schedules.create(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(Contract.listSchedules)
  list(@Payload() payload: ParsedRequestOf<typeof Contract.listSchedules>, @Ctx() ctx: BusContext) {
    return this.schedules.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(Contract.getSchedule)
  get(@Payload() payload: ParsedRequestOf<typeof Contract.getSchedule>, @Ctx() ctx: BusContext) {
    return this.schedules.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(Contract.updateSchedule)
  update(@Payload() payload: ParsedRequestOf<typeof Contract.updateSchedule>, @Ctx() ctx: BusContext) {
    return this.schedules.update(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(Contract.deleteSchedule)
  delete(@Payload() payload: ParsedRequestOf<typeof Contract.deleteSchedule>, @Ctx() ctx: BusContext) {
    return this.schedules.delete(requireUserId(ctx.envelope), payload.id);
  }
}
