import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Embedder } from '../embeddings/embedder.port';
import type { ChunkIndex, ChunkStore } from '../store/chunk-store.port';
import { CHUNK_STORE, EMBEDDER } from './engine.tokens';

/**
 * The embedder and the index of its embedding space that serve reads and take writes, opened once at
 * start. Everything that indexes, deletes or queries chunks goes through here.
 */
@Injectable()
export class SearchEngine implements OnModuleInit, OnApplicationShutdown {
  private opened: ChunkIndex | null = null;

  constructor(
    @Inject(CHUNK_STORE) private readonly store: ChunkStore,
    @Inject(EMBEDDER) readonly embedder: Embedder,
  ) {}

  async onModuleInit(): Promise<void> {
    this.opened = await this.store.openIndex(this.embedder.space);
  }

  get index(): ChunkIndex {
    if (!this.opened) throw new Error('the search index is not open yet');
    return this.opened;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
