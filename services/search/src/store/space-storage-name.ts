import { createHash } from 'node:crypto';
import type { EmbeddingSpace } from '../embeddings/embedder.port';

/**
 * The table (LanceDB) or collection (Qdrant) of an embedding space: a readable form of its id and
 * size plus a hash of the exact id, so two ids that read the same after the clean-up never share one.
 */
export function spaceStorageName(space: Pick<EmbeddingSpace, 'id' | 'dimensions'>): string {
  const readable = space.id.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(space.id).digest('hex').slice(0, 10);
  return `chunks_${readable}_${space.dimensions}_${digest}`;
}
