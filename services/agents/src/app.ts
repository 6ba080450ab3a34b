import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { handledDefinitionsOf, AgentsContract } from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { AgentsConfig } from './config';

/** Builds and starts the agents service; shared by main.ts and the integration tests. */
export function startAgents(config: AgentsConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'agents',
    config,
    module: AppModule.forRoot(config),
    contracts: handledDefinitionsOf(AgentsContract),
  });
}
