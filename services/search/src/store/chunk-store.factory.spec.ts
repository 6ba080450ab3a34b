import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSearchConfig } from '../config';
import { openChunkStore } from './chunk-store.factory';

describe('openChunkStore', () => {
  const path = mkdtempSync(join(tmpdir(), 'conduit-store-factory-'));
  afterAll(() => rmSync(path, { recursive: true, force: true }));

  it('opens the embedded store by default, on the configured path', async () => {
    const store = await openChunkStore(loadSearchConfig({ SEARCH_LANCEDB_PATH: path }), () => undefined);
    expect(store.name).toBe('lancedb');
    await store.close();
  });

  it('opens Qdrant when asked, and refuses it without a URL', async () => {
    const store = await openChunkStore(
      loadSearchConfig({ SEARCH_STORE: 'qdrant', QDRANT_URL: 'http://127.0.0.1:6333' }),
      () => undefined,
    );
    expect(store.name).toBe('qdrant');
    await store.close();
    expect(() => loadSearchConfig({ SEARCH_STORE: 'qdrant' })).toThrow(/QDRANT_URL/);
  });
});
