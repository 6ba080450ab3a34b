import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@conduit/service-kit';
import { AgentRepository } from './agents/agent.repository';
import { AgentsHandler } from './agents/agents.handler';
import { AgentsService } from './agents/agents.service';
import type { AgentsConfig } from './config';
import { CryptoModule } from './crypto/crypto.module';
import { HealthHandler } from './health/health.handler';

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(_config: AgentsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [DatabaseModule.forRoot(), CryptoModule],
      controllers: [HealthHandler, AgentsHandler],
      providers: [AgentRepository, AgentsService],
    };
  }
}
