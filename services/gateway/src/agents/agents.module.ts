import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller';

/** Agents and their runs, relayed to the agents service. */
@Module({
  controllers: [AgentsController],
})
export class AgentsModule {}
