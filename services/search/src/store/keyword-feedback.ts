import { ENGLISH_STOP_WORDS } from './english-stop-words';

/**
 * Pseudo-relevance feedback for keyword search (RM3, Lavrenko & Croft's relevance model mixed with the
 * query): the best chunks of a first BM25 pass stand in for relevant ones, the words they share are
 * added to the query, and BM25 ranks again with the expanded query. It finds chunks that use the
 * vocabulary of the best answers without repeating the question's own words.
 */
export interface KeywordFeedback {
  /** Chunks of the first pass taken as relevant; 0 turns feedback off (plain BM25). */
  readonly chunks: number;
  /** Words added to the query at most. */
  readonly terms: number;
  /** Share of the expanded query's weight kept by the original words, in [0, 1]; 1 is plain BM25. */
  readonly queryWeight: number;
}

/**
 * The defaults of the Anserini toolkit's RM3 (10 feedback documents, 10 terms, original query weight
 * 0.5), the usual baseline in the literature, not values fitted to any collection.
 */
export const DEFAULT_KEYWORD_FEEDBACK: KeywordFeedback = { chunks: 10, terms: 10, queryWeight: 0.5 };

export const NO_KEYWORD_FEEDBACK: KeywordFeedback = { chunks: 0, terms: 0, queryWeight: 1 };

/** A word of the expanded query and its weight (the weights add up to 1). */
export interface WeightedTerm {
  readonly term: string;
  readonly weight: number;
}

/** One first-pass chunk: the words BM25 searched (title and text) and its BM25 score. */
export interface FeedbackChunk {
  readonly text: string;
  readonly score: number;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-case words that say something alone: stop words and single characters left out. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).filter(
    (word) => word.length > 1 && !ENGLISH_STOP_WORDS.has(word),
  );
}

export function feedbackEnabled(feedback: KeywordFeedback): boolean {
  return feedback.chunks > 0 && feedback.terms > 0 && feedback.queryWeight < 1;
}

/**
 * The query's own words (weight by count, scaled to `queryWeight`) plus the `terms` words most likely
 * under the feedback chunks' relevance model, P(w|R) = Σ P(w|chunk) · P(chunk|query), with P(chunk|query)
 * the chunk's share of the feedback scores (scaled to 1 - `queryWeight`). Words are matched as the
 * full-text analyser stems them, so `flow` and `flows` both add to one stem there.
 */
export function expandQuery(
  query: string,
  feedback: readonly FeedbackChunk[],
  options: KeywordFeedback,
): WeightedTerm[] {
  const original = countWords(contentWords(query));
  const queryLength = sum(original.values());
  const scoreTotal = sum(feedback.map((chunk) => Math.max(chunk.score, 0)));
  const weights = new Map<string, number>();
  if (scoreTotal > 0) {
    const relevance = new Map<string, number>();
    for (const chunk of feedback) {
      const words = contentWords(chunk.text);
      if (words.length === 0) continue;
      const chunkWeight = Math.max(chunk.score, 0) / scoreTotal / words.length;
      for (const [word, count] of countWords(words)) {
        relevance.set(word, (relevance.get(word) ?? 0) + chunkWeight * count);
      }
    }
    const chosen = [...relevance]
      .sort(([wordA, a], [wordB, b]) => b - a || wordA.localeCompare(wordB))
      .slice(0, options.terms);
    const chosenTotal = sum(chosen.map(([, weight]) => weight));
    for (const [word, weight] of chosen)
      weights.set(word, ((1 - options.queryWeight) * weight) / chosenTotal);
  }
  const queryShare = weights.size === 0 ? 1 : options.queryWeight;
  for (const [word, count] of original) {
    weights.set(word, (weights.get(word) ?? 0) + (queryShare * count) / queryLength);
  }
  return [...weights].map(([term, weight]) => ({ term, weight })).filter(({ weight }) => weight > 0);
}

function countWords(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
