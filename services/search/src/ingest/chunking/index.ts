export {
  type ChunkingOptions,
  chunkText,
  DEFAULT_CHUNKING,
  headingTrail,
  type TextChunk,
} from './chunk-text';
