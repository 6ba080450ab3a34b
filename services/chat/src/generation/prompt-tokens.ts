import { countTokens } from 'gpt-tokenizer';

/**
 * Text is counted in pieces of about this many characters: byte-pair encoding takes quadratic time on
 * one long unbroken run (a page of CJK text without spaces takes minutes whole, milliseconds in pieces),
 * and a cut inside a word only ever adds a token.
 */
const PIECE_CHARS = 1_000;
/** How far back from a piece's end a space is looked for, to cut between words. */
const CUT_SEARCH_CHARS = 100;
// User text is counted as text: a special token's spelling in it is not a special token.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Per-message framing in chat formats (role markers and separators), as OpenAI counts it. */
export const TOKENS_PER_MESSAGE = 4;

/**
 * Tokens in a text as OpenAI's o200k encoding counts them (other model families count differently,
 * but close), or null as soon as the count passes `limit`: a long text is not counted to its end.
 */
export function countTextTokens(text: string, limit = Number.POSITIVE_INFINITY): number | null {
  let total = 0;
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + PIECE_CHARS);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > end - CUT_SEARCH_CHARS && space > start) end = space;
    }
    total += countTokens(text.slice(start, end), AS_PLAIN_TEXT);
    if (total > limit) return null;
    start = end;
  }
  return total;
}
