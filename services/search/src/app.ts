import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { handledDefinitionsOf, SearchContract } from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { SearchConfig } from './config';

/** Builds and starts the search service; shared by main.ts and the integration tests. */
export function startSearch(config: SearchConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'search',
    config,
    module: AppModule,
    contracts: handledDefinitionsOf(SearchContract),
  });
}
