import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  AgentsSchedulesContract,
  CreateScheduleSchema,
  ListSchedulesQuerySchema,
  SchedulePageSchema,
  ScheduleRefSchema,
  ScheduleSchema,
  UpdateScheduleBodySchema,
  type CreateSchedule,
  type ListSchedulesQuery,
} from '@conduit/contracts';
import type { z } from 'zod';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'schedules';
type ScheduleRef = z.output<typeof ScheduleRefSchema>;

/**
 * Scheduled runs of the caller's agents: on a cron expression in an IANA time zone, or once. Each run's
 * outcome becomes a notification (`/api/v1/notifications`, and a `notification` frame on `/ws`).
 */
@Controller('api/v1/schedules')
export class SchedulesController {
  constructor(private readonly bus: Bus) {}

  @Post()
  @ApiRoute({
    summary:
      'Schedule one of your agents ({agentId, prompt, cron + timeZone? | runAt, name?, catchUp?, enabled?}); a bad cron expression, time zone or past runAt is a 400, an agent that is not yours a 404',
    tag: TAG,
    body: CreateScheduleSchema,
    response: ScheduleSchema,
    successStatus: 201,
  })
  create(@Body() body: CreateSchedule, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsSchedulesContract.createSchedule, body, caller);
  }

  @Get()
  @ApiRoute({
    summary: 'Your schedules, newest first, one page at a time (filter by agentId)',
    tag: TAG,
    query: ListSchedulesQuerySchema,
    response: SchedulePageSchema,
  })
  list(@Query() query: ListSchedulesQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsSchedulesContract.listSchedules, query, caller);
  }

  @Get(':id')
  @ApiRoute({
    summary: 'One schedule: its timing, state and next and last fire',
    tag: TAG,
    params: ScheduleRefSchema,
    response: ScheduleSchema,
  })
  get(@Param() params: ScheduleRef, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsSchedulesContract.getSchedule, params, caller);
  }

  @Patch(':id')
  @ApiRoute({
    summary:
      'Change a schedule (prompt, name, cron, timeZone, runAt, catchUp); enabled: false pauses it, true resumes it from the next slot',
    tag: TAG,
    params: ScheduleRefSchema,
    body: UpdateScheduleBodySchema,
    response: ScheduleSchema,
  })
  update(
    @Param() params: ScheduleRef,
    @Body() body: z.output<typeof UpdateScheduleBodySchema>,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(AgentsSchedulesContract.updateSchedule, { ...body, id: params.id }, caller);
  }

  @Delete(':id')
  @ApiRoute({
    summary: 'Delete a schedule (the notifications it sent stay)',
    tag: TAG,
    params: ScheduleRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: ScheduleRef, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(AgentsSchedulesContract.deleteSchedule, params, caller);
  }
}
