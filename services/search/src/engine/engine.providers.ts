import { Logger, type Provider } from '@nestjs/common';
import type { SearchConfig } from '../config';
import { createEmbedder } from '../embeddings/embedder.registry';
import { openChunkStore } from '../store/chunk-store.factory';
import { CHUNK_STORE, EMBEDDER } from './engine.tokens';

/** The store and embedder the configuration names (SEARCH_STORE, SEARCH_EMBEDDING_MODEL). */
export function engineProviders(config: SearchConfig): Provider[] {
  const logger = new Logger('ChunkStore');
  return [
    {
      provide: CHUNK_STORE,
      useFactory: () =>
        openChunkStore(config, (error, task) => logger.warn(`background ${task} failed: ${String(error)}`)),
    },
    { provide: EMBEDDER, useFactory: () => createEmbedder(config) },
  ];
}
