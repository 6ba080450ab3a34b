import type { IndexedChunk } from './chunk-store.port';

/** Largest `topK` a store answers (the API caps it lower; hybrid asks each side for more). */
export const MAX_STORE_TOP_K = 1_000;

export function assertTopK(topK: number): void {
  if (!Number.isInteger(topK) || topK < 1 || topK > MAX_STORE_TOP_K) {
    throw new RangeError(`topK must be an integer in 1..${MAX_STORE_TOP_K}, got ${topK}`);
  }
}

/** How many candidates each side of a hybrid query contributes before fusion. */
export function candidateDepth(topK: number): number {
  return Math.min(MAX_STORE_TOP_K, Math.max(50, topK * 3));
}

/** A query with no features (only punctuation, say) has no direction: it matches nothing by meaning. */
export function isZeroVector(vector: Float32Array): boolean {
  for (const value of vector) if (value !== 0) return false;
  return true;
}

/** A write may only carry chunks of the document it names, in the index's space. */
export function assertChunksBelong(
  document: { userId: string; documentId: string; chunks: readonly IndexedChunk[] },
  dimensions: number,
): void {
  if (document.userId.length === 0 || document.documentId.length === 0) {
    throw new RangeError('a document needs a user id and a document id');
  }
  for (const chunk of document.chunks) {
    if (chunk.userId !== document.userId || chunk.documentId !== document.documentId) {
      throw new RangeError(`chunk ${chunk.chunkId} does not belong to document ${document.documentId}`);
    }
    if (chunk.vector.length !== dimensions) {
      throw new RangeError(
        `chunk ${chunk.chunkId} has ${chunk.vector.length} dimensions, the index ${dimensions}`,
      );
    }
    if (chunk.chunkId.length === 0) throw new RangeError('a chunk needs an id');
  }
}
