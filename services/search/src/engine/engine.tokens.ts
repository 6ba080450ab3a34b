/** The store adapter the deployment chose (SEARCH_STORE): a {@link ChunkStore}. */
export const CHUNK_STORE = Symbol('CHUNK_STORE');
/** The embedder the deployment chose (SEARCH_EMBEDDING_MODEL): an {@link Embedder}. */
export const EMBEDDER = Symbol('EMBEDDER');
