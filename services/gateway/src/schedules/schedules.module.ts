import { Module } from '@nestjs/common';
import { SchedulesController } from './schedules.controller';

/** Schedules of agents, relayed to the agents service. */
@Module({
  controllers: [SchedulesController],
})
export class SchedulesModule {}
