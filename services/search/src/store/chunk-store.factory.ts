import type { SearchConfig } from '../config';
import type { ChunkStore } from './chunk-store.port';
import { LanceDbChunkStore } from './lancedb/lancedb-chunk-store';
import { QdrantChunkStore } from './qdrant/qdrant-chunk-store';

export type ChunkStoreSettings = Pick<
  SearchConfig,
  | 'SEARCH_STORE'
  | 'SEARCH_LANCEDB_PATH'
  | 'SEARCH_ANN_MIN_ROWS'
  | 'SEARCH_KEYWORD_FEEDBACK_CHUNKS'
  | 'SEARCH_KEYWORD_FEEDBACK_TERMS'
  | 'SEARCH_KEYWORD_FEEDBACK_QUERY_WEIGHT'
  | 'QDRANT_URL'
  | 'QDRANT_API_KEY'
>;

/** The store SEARCH_STORE names, opened; background failures (index maintenance) go to `onBackgroundError`. */
export async function openChunkStore(
  settings: ChunkStoreSettings,
  onBackgroundError: (error: unknown, task: string) => void,
): Promise<ChunkStore> {
  switch (settings.SEARCH_STORE) {
    case 'lancedb':
      return LanceDbChunkStore.open({
        path: settings.SEARCH_LANCEDB_PATH,
        annMinRows: settings.SEARCH_ANN_MIN_ROWS,
        keywordFeedback: {
          chunks: settings.SEARCH_KEYWORD_FEEDBACK_CHUNKS,
          terms: settings.SEARCH_KEYWORD_FEEDBACK_TERMS,
          queryWeight: settings.SEARCH_KEYWORD_FEEDBACK_QUERY_WEIGHT,
        },
        onBackgroundError,
      });
    case 'qdrant':
      if (!settings.QDRANT_URL) throw new Error('SEARCH_STORE=qdrant needs QDRANT_URL');
      return new QdrantChunkStore({ url: settings.QDRANT_URL, apiKey: settings.QDRANT_API_KEY });
  }
}
