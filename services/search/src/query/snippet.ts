import type { Highlight } from '@conduit/contracts';

/** Longest snippet, in characters; shorter chunks are shown whole. */
export const SNIPPET_CHARS = 280;
const ELLIPSIS = '…';
const WORD = /[\p{L}\p{N}]+/gu;
/** Words this long or longer also match their inflections by a shared prefix (index, indexing, indexed). */
const PREFIX_MATCH_MIN = 4;

export interface Snippet {
  snippet: string;
  highlights: Highlight[];
}

/** The query's distinct words, lower-cased. */
export function queryTerms(query: string): string[] {
  return [...new Set((query.match(WORD) ?? []).map((word) => word.toLowerCase()))];
}

function matches(word: string, terms: readonly string[]): boolean {
  const lower = word.toLowerCase();
  return terms.some((term) => {
    if (lower === term) return true;
    const [short, long] = term.length <= lower.length ? [term, lower] : [lower, term];
    return short.length >= PREFIX_MATCH_MIN && long.startsWith(short);
  });
}

/**
 * The part of `text` around its densest run of query words (the whole text when short), with the
 * ranges of every query word in it; an ellipsis marks where text was cut.
 */
export function snippetOf(text: string, terms: readonly string[]): Snippet {
  const found: Highlight[] = [];
  for (const match of text.matchAll(WORD)) {
    if (matches(match[0], terms)) found.push({ start: match.index, end: match.index + match[0].length });
  }
  if (text.length <= SNIPPET_CHARS) return { snippet: text, highlights: found };

  let bestStart = 0;
  let bestCount = 0;
  for (let i = 0; i < found.length; i++) {
    const windowEnd = found[i]!.start + SNIPPET_CHARS;
    let count = 0;
    for (let j = i; j < found.length && found[j]!.end <= windowEnd; j++) count++;
    if (count > bestCount) {
      bestCount = count;
      bestStart = found[i]!.start;
    }
  }
  // Some context before the first match, starting at a word.
  let start = Math.max(0, bestStart - Math.floor(SNIPPET_CHARS / 5));
  if (start > 0) start = nextWordStart(text, start);
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (end < text.length) end = previousWordEnd(text, end, start);
  const prefix = start > 0 ? ELLIPSIS : '';
  const snippet = `${prefix}${text.slice(start, end).trim()}${end < text.length ? ELLIPSIS : ''}`;
  const shift = prefix.length - start - leadingSpaces(text.slice(start, end));
  const highlights = found
    .filter((h) => h.start >= start && h.end <= end)
    .map((h) => ({ start: h.start + shift, end: h.end + shift }));
  return { snippet, highlights };
}

function nextWordStart(text: string, from: number): number {
  const rest = text.slice(from);
  const atWord = /^[\p{L}\p{N}]/u.test(rest) && from > 0 && /[\p{L}\p{N}]/u.test(text[from - 1]!);
  const match = (atWord ? rest.replace(/^[\p{L}\p{N}]+/u, (m) => ' '.repeat(m.length)) : rest).search(
    /[\p{L}\p{N}]/u,
  );
  return match < 0 ? from : from + match;
}

function previousWordEnd(text: string, to: number, floor: number): number {
  let end = to;
  while (end > floor && /[\p{L}\p{N}]/u.test(text[end] ?? '') && /[\p{L}\p{N}]/u.test(text[end - 1]!)) end--;
  return end > floor ? end : to;
}

function leadingSpaces(text: string): number {
  return text.length - text.trimStart().length;
}
