// A plain BM25 ranking, the reference the search service's keyword mode is compared with: words are
// runs of letters and digits, lower-cased and Porter-stemmed (the `stemmer` package), no stop words;
// Lucene's non-negative idf, log(1 + (N - df + 0.5) / (df + 0.5)).
import { stemmer } from 'stemmer';

export const BM25_DEFAULTS = { k1: 1.2, b: 0.75 };

const WORD = /[\p{L}\p{N}]+/gu;

/** The index terms of a text: stemmed, lower-case words, repeats kept. */
export function terms(text) {
  return (text.toLowerCase().match(WORD) ?? []).map((word) => stemmer(word));
}

/**
 * An in-memory BM25 index over `documents` ({ id, text }). `search(query, topK)` gives
 * `[{ id, score }]`, best first, ties in document order.
 */
export function bm25Index(documents, { k1, b } = BM25_DEFAULTS) {
  const postings = new Map();
  const lengths = new Float64Array(documents.length);
  documents.forEach((document, index) => {
    const counts = new Map();
    for (const term of terms(document.text)) counts.set(term, (counts.get(term) ?? 0) + 1);
    lengths[index] = [...counts.values()].reduce((sum, count) => sum + count, 0);
    for (const [term, count] of counts) {
      if (!postings.has(term)) postings.set(term, []);
      postings.get(term).push([index, count]);
    }
  });
  const count = documents.length;
  const averageLength = lengths.reduce((sum, length) => sum + length, 0) / Math.max(count, 1);
  const norms = lengths.map((length) => k1 * (1 - b + (b * length) / (averageLength || 1)));

  return {
    search(query, topK) {
      const scores = new Float64Array(count);
      const touched = new Set();
      for (const term of terms(query)) {
        const list = postings.get(term);
        if (!list) continue;
        const idf = Math.log(1 + (count - list.length + 0.5) / (list.length + 0.5));
        for (const [index, tf] of list) {
          scores[index] += (idf * tf * (k1 + 1)) / (tf + norms[index]);
          touched.add(index);
        }
      }
      return [...touched]
        .sort((x, y) => scores[y] - scores[x] || x - y)
        .slice(0, topK)
        .map((index) => ({ id: documents[index].id, score: scores[index] }));
    },
  };
}
