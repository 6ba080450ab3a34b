import { loadSearchConfig } from '../config';
import { createEmbedder } from './embedder.registry';
import { OfflineLexicalEmbedder } from './offline-lexical.embedder';
import { OpenAiEmbedder } from './openai.embedder';

const settings = (env: Record<string, string>) => loadSearchConfig(env);

describe('createEmbedder', () => {
  it('defaults to the offline lexical embedding', () => {
    const embedder = createEmbedder(settings({}));
    expect(embedder).toBeInstanceOf(OfflineLexicalEmbedder);
    expect(embedder.space).toEqual({ id: 'offline/lexical-v1@384', dimensions: 384, kind: 'lexical' });
  });

  it('takes the size from SEARCH_EMBEDDING_DIMENSIONS', () => {
    expect(createEmbedder(settings({ SEARCH_EMBEDDING_DIMENSIONS: '512' })).space.id).toBe(
      'offline/lexical-v1@512',
    );
  });

  it('builds an OpenAI embedder with the model size, or the size asked for', () => {
    const native = createEmbedder(settings({ SEARCH_EMBEDDING_MODEL: 'openai/text-embedding-3-small' }));
    expect(native).toBeInstanceOf(OpenAiEmbedder);
    expect(native.space).toEqual({
      id: 'openai/text-embedding-3-small@1536',
      dimensions: 1536,
      kind: 'semantic',
    });
    const short = createEmbedder(
      settings({
        SEARCH_EMBEDDING_MODEL: 'openai/text-embedding-3-large',
        SEARCH_EMBEDDING_DIMENSIONS: '256',
      }),
    );
    expect(short.space.id).toBe('openai/text-embedding-3-large@256');
  });

  it('asks for a size for models it does not know, and refuses unknown providers and models', () => {
    expect(() => createEmbedder(settings({ SEARCH_EMBEDDING_MODEL: 'openai/nomic-embed-text' }))).toThrow(
      /SEARCH_EMBEDDING_DIMENSIONS is required/,
    );
    expect(
      createEmbedder(
        settings({ SEARCH_EMBEDDING_MODEL: 'openai/nomic-embed-text', SEARCH_EMBEDDING_DIMENSIONS: '768' }),
      ).space.dimensions,
    ).toBe(768);
    expect(() => createEmbedder(settings({ SEARCH_EMBEDDING_MODEL: 'cohere/embed-v4' }))).toThrow(
      /unknown provider/,
    );
    expect(() => createEmbedder(settings({ SEARCH_EMBEDDING_MODEL: 'offline/lexical-v9' }))).toThrow(
      /unknown offline embedding/,
    );
    expect(() => settings({ SEARCH_EMBEDDING_MODEL: 'no-slash' })).toThrow(/provider>\/<model/);
  });
});
