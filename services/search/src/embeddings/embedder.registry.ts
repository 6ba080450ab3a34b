import type { SearchConfig } from '../config';
import type { Embedder } from './embedder.port';
import { OFFLINE_LEXICAL_DEFAULT_DIMENSIONS, OfflineLexicalEmbedder } from './offline-lexical.embedder';
import { OpenAiEmbedder } from './openai.embedder';

export type EmbeddingSettings = Pick<
  SearchConfig,
  | 'SEARCH_EMBEDDING_MODEL'
  | 'SEARCH_EMBEDDING_DIMENSIONS'
  | 'SEARCH_EMBEDDING_BATCH_INPUTS'
  | 'SEARCH_EMBEDDING_BATCH_TOKENS'
  | 'SEARCH_EMBEDDING_TIMEOUT_MS'
  | 'SEARCH_EMBEDDING_MAX_RETRIES'
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
>;

/** Sizes of OpenAI's own embedding models; other models (compatible servers) need SEARCH_EMBEDDING_DIMENSIONS. */
const OPENAI_NATIVE_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

type EmbedderFactory = (model: string, settings: EmbeddingSettings) => Embedder;

/** One line per provider: the part of SEARCH_EMBEDDING_MODEL before the slash picks it. */
const factories: Readonly<Record<string, EmbedderFactory>> = {
  offline: (model, settings) => {
    if (model !== 'lexical-v1') throw new Error(`unknown offline embedding "${model}" (there is lexical-v1)`);
    return new OfflineLexicalEmbedder(
      settings.SEARCH_EMBEDDING_DIMENSIONS ?? OFFLINE_LEXICAL_DEFAULT_DIMENSIONS,
    );
  },
  openai: (model, settings) => {
    const native = OPENAI_NATIVE_DIMENSIONS[model];
    const dimensions = settings.SEARCH_EMBEDDING_DIMENSIONS ?? native;
    if (dimensions === undefined) {
      throw new Error(`SEARCH_EMBEDDING_DIMENSIONS is required for ${model}, whose size is not known here`);
    }
    return new OpenAiEmbedder({
      model,
      dimensions,
      // Only the text-embedding-3 models shorten their vectors on request.
      sendDimensions: model.startsWith('text-embedding-3') && dimensions !== native,
      apiKey: settings.OPENAI_API_KEY,
      baseURL: settings.OPENAI_BASE_URL,
      timeoutMs: settings.SEARCH_EMBEDDING_TIMEOUT_MS,
      maxRetries: settings.SEARCH_EMBEDDING_MAX_RETRIES,
      batch: {
        maxInputs: settings.SEARCH_EMBEDDING_BATCH_INPUTS,
        maxApproximateTokens: settings.SEARCH_EMBEDDING_BATCH_TOKENS,
      },
    });
  },
};

/** The embedder SEARCH_EMBEDDING_MODEL names; throws at start-up on a model it cannot serve. */
export function createEmbedder(settings: EmbeddingSettings): Embedder {
  const id = settings.SEARCH_EMBEDDING_MODEL;
  const slash = id.indexOf('/');
  const provider = id.slice(0, slash);
  const factory = factories[provider];
  if (slash <= 0 || !factory) {
    throw new Error(
      `SEARCH_EMBEDDING_MODEL "${id}": unknown provider (known: ${Object.keys(factories).join(', ')})`,
    );
  }
  return factory(id.slice(slash + 1), settings);
}
