import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AgentsChatContract,
  AgentsConnectorsContract,
  AgentsContract,
  AgentsMcpContract,
  AgentsSchedulesContract,
  AgentsToolsContract,
  handledDefinitionsOf,
} from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule, type AgentsOverrides } from './app.module';
import { AgentsConfig } from './config';

/** Builds and starts the agents service; shared by main.ts and the integration tests. */
export function startAgents(
  config: AgentsConfig,
  overrides: AgentsOverrides = {},
): Promise<NestFastifyApplication> {
  return startService({
    service: 'agents',
    config,
    module: AppModule.forRoot(config, overrides),
    // Requests only: the notifications it publishes are for others to hear.
    contracts: [
      ...handledDefinitionsOf(AgentsContract),
      ...handledDefinitionsOf(AgentsChatContract),
      ...handledDefinitionsOf(AgentsSchedulesContract),
      ...handledDefinitionsOf(AgentsConnectorsContract),
      ...handledDefinitionsOf(AgentsMcpContract),
      ...handledDefinitionsOf(AgentsToolsContract),
    ].filter((def) => def.kind === 'request'),
  });
}
