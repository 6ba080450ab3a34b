import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ChatContract,
  MemoryContract,
  SEARCH_INDEXER_CONSUMER,
  SEARCH_MEMORY_CONSUMER,
  SEARCH_MEMORY_FORGET_CONSUMER,
  SearchContract,
  handledDefinitionsOf,
} from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { SearchConfig } from './config';

/** Builds and starts the search service; shared by main.ts and the integration tests. */
export function startSearch(config: SearchConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'search',
    config,
    module: AppModule.forRoot(config),
    // Requests only: accepted documents come through the indexer's durable consumer.
    contracts: [
      ...handledDefinitionsOf(SearchContract).filter((def) => def.kind === 'request'),
      ...handledDefinitionsOf(MemoryContract),
    ],
    jetstreamConsumers: [
      { stream: SearchContract.documentAccepted.durable!.stream, consumer: SEARCH_INDEXER_CONSUMER },
      { stream: ChatContract.messageCreated.durable!.stream, consumer: SEARCH_MEMORY_CONSUMER },
      { stream: ChatContract.sessionDeleted.durable!.stream, consumer: SEARCH_MEMORY_FORGET_CONSUMER },
    ],
  });
}
