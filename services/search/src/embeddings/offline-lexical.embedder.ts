import type { Embedder, EmbeddingBatch, EmbeddingPurpose, EmbeddingSpace } from './embedder.port';

export const OFFLINE_LEXICAL_MODEL = 'offline/lexical-v1';
export const OFFLINE_LEXICAL_DEFAULT_DIMENSIONS = 384;

/** How much each kind of feature adds to the vector, before the per-dimension damping and normalisation. */
const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.6;
const TRIGRAM_WEIGHT = 0.25;

/** Seeds keep the three feature families in different hash streams (a word never collides with its own trigram). */
const WORD_SEED = 0x811c9dc5;
const TRIGRAM_SEED = 0x01000193 ^ 0x5bd1e995;
const BIGRAM_MIX = 0x9e3779b1;
const BOUNDARY = 0x20;

/** Words too common to say anything alone; they still count inside bigrams ("out of", "to be"). */
const STOP_WORDS = [
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'from', 'has', 'have', 'he', 'her',
  'his', 'i', 'in', 'is', 'it', 'its', 'of', 'on', 'or', 'she', 'that', 'the', 'their', 'them',
  'they', 'this', 'to', 'was', 'we', 'were', 'which', 'will', 'with', 'you',
]; // prettier-ignore

/**
 * The offline embedding: no model, no download. Hashes word unigrams, word bigrams and character
 * trigrams (with word boundaries) into a fixed number of dimensions with signed hashing, damps each
 * dimension (square root, so a repeated word does not drown the rest) and L2-normalises.
 *
 * It is lexical: texts come out close when they share words, word pairs or spellings, never because
 * they mean the same thing. It is deterministic and needs no state between calls.
 *
 * Written as one pass over the UTF-16 code units with running FNV-1a hashes, so embedding allocates
 * only the output vector and the lowercase copy of the text.
 */
export class OfflineLexicalEmbedder implements Embedder {
  readonly space: EmbeddingSpace;
  readonly meteredModel = null;
  private readonly stopWordHashes: Set<number>;

  constructor(readonly dimensions: number = OFFLINE_LEXICAL_DEFAULT_DIMENSIONS) {
    if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 8192) {
      throw new RangeError(`offline embedding dimensions must be an integer in 16..8192, got ${dimensions}`);
    }
    this.space = { id: `${OFFLINE_LEXICAL_MODEL}@${dimensions}`, dimensions, kind: 'lexical' };
    this.stopWordHashes = new Set(STOP_WORDS.map(wordHash));
  }

  /** Queries and documents are embedded alike: the features are symmetric. */
  embed(texts: readonly string[], _purpose?: EmbeddingPurpose): Promise<EmbeddingBatch> {
    return Promise.resolve({ vectors: texts.map((text) => this.embedOne(text)), inputTokens: 0 });
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const lower = text.toLowerCase();
    const length = lower.length;
    let previousWord = 0;
    let hasPrevious = false;
    let word = WORD_SEED;
    let wordLength = 0;
    // The two code units before the current one inside the word (boundary marks at the edges).
    let before2 = BOUNDARY;
    let before1 = BOUNDARY;

    for (let i = 0; i <= length; i++) {
      const code = i < length ? lower.charCodeAt(i) : BOUNDARY;
      if (isWordCode(code)) {
        word = Math.imul(word ^ code, 0x01000193);
        if (wordLength >= 1) this.add(vector, trigramHash(before2, before1, code), TRIGRAM_WEIGHT);
        before2 = before1;
        before1 = code;
        wordLength++;
        continue;
      }
      if (wordLength === 0) continue;
      // The word ended: its closing trigram, the word itself and the pair it makes with the previous word.
      this.add(vector, trigramHash(before2, before1, BOUNDARY), TRIGRAM_WEIGHT);
      const finished = word >>> 0;
      if (!this.stopWordHashes.has(finished)) this.add(vector, finished, UNIGRAM_WEIGHT);
      if (hasPrevious)
        this.add(vector, Math.imul(previousWord ^ BIGRAM_MIX, 0x85ebca6b) ^ finished, BIGRAM_WEIGHT);
      previousWord = finished;
      hasPrevious = true;
      word = WORD_SEED;
      wordLength = 0;
      before2 = BOUNDARY;
      before1 = BOUNDARY;
    }
    dampAndNormalise(vector);
    return vector;
  }

  private add(vector: Float32Array, hash: number, weight: number): void {
    const mixed = finalMix(hash);
    const index = mixed % this.dimensions;
    // The top bit picks the sign, so colliding features cancel out on average instead of piling up.
    vector[index] = (vector[index] ?? 0) + (mixed & 0x80000000 ? -weight : weight);
  }
}

/** Letters and digits of any script count as word characters; ASCII and Unicode spaces and punctuation do not. */
function isWordCode(code: number): boolean {
  if (code < 0x80) {
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);
  }
  if (code <= 0xbf) return code === 0xaa || code === 0xb5 || code === 0xba;
  // General punctuation, CJK symbols and punctuation, and the fullwidth ASCII punctuation.
  if (code >= 0x2000 && code <= 0x206f) return false;
  if (code >= 0x3000 && code <= 0x303f) return false;
  if (code >= 0xff00 && code <= 0xff0f) return false;
  return code !== 0xfeff;
}

function wordHash(word: string): number {
  let hash = WORD_SEED;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function trigramHash(a: number, b: number, c: number): number {
  let hash = Math.imul(TRIGRAM_SEED ^ a, 0x01000193);
  hash = Math.imul(hash ^ b, 0x01000193);
  return Math.imul(hash ^ c, 0x01000193);
}

/** Murmur3's finaliser: FNV alone leaves the low bits (the bucket) poorly mixed. */
function finalMix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function dampAndNormalise(vector: Float32Array): void {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i] ?? 0;
    const damped = value < 0 ? -Math.sqrt(-value) : Math.sqrt(value);
    vector[i] = damped;
    norm += damped * damped;
  }
  if (norm === 0) return;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) * scale;
}
