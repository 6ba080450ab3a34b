import { Module } from '@nestjs/common';
import { StreamingModule } from '../streaming/streaming.module';
import { AgentRunsController } from './agent-runs.controller';
import { AgentsController } from './agents.controller';

/** Agents and their runs, relayed to the agents service. */
@Module({
  imports: [StreamingModule],
  controllers: [AgentsController, AgentRunsController],
})
export class AgentsModule {}
