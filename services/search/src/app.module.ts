import { DynamicModule, Module } from '@nestjs/common';
import { MeteringModule } from '@conduit/metering';
import { DatabaseModule, RedisModule } from '@conduit/service-kit';
import { CollectionRepository } from './collections/collection.repository';
import type { SearchConfig } from './config';
import { CollectionsHandler } from './documents/collections.handler';
import { CollectionsService } from './documents/collections.service';
import { DocumentQueue } from './documents/document-queue';
import { DocumentRepository } from './documents/document.repository';
import { DocumentsHandler } from './documents/documents.handler';
import { FilesHandler } from './documents/files.handler';
import { DocumentsService } from './documents/documents.service';
import { EmbeddingSpaceRepository } from './engine/embedding-space.repository';
import { engineProviders } from './engine/engine.providers';
import { MeteredEmbedder } from './engine/metered-embedder';
import { SearchEngine } from './engine/search-engine';
import { HealthHandler } from './health/health.handler';
import { DocumentIndexer } from './indexing/document-indexer';
import { IngestConsumer } from './indexing/ingest-consumer';
import { ConversationMemoryConsumer } from './memory/conversation-memory.consumer';
import { MemoryHandler } from './memory/memory.handler';
import { MemoryRepository } from './memory/memory.repository';
import { MemoryService } from './memory/memory.service';
import { SpaceReindexer } from './indexing/space-reindexer';
import { QueryHandler } from './query/query.handler';
import { QueryService } from './query/query.service';
import { UploadPayloads } from './uploads/upload-payloads';

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(config: SearchConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(),
        // Budgets fall back to the ledger while Redis is down: it is no reason to stop taking traffic.
        RedisModule.forRoot({ requiredForReadiness: false }),
        MeteringModule.forRoot(),
      ],
      controllers: [
        HealthHandler,
        DocumentsHandler,
        FilesHandler,
        CollectionsHandler,
        QueryHandler,
        MemoryHandler,
      ],
      providers: [
        ...engineProviders(config),
        EmbeddingSpaceRepository,
        SearchEngine,
        MeteredEmbedder,
        CollectionRepository,
        DocumentRepository,
        DocumentQueue,
        DocumentsService,
        CollectionsService,
        UploadPayloads,
        DocumentIndexer,
        IngestConsumer,
        SpaceReindexer,
        QueryService,
        MemoryRepository,
        MemoryService,
        ConversationMemoryConsumer,
      ],
    };
  }
}
