import type { Block } from './markdown-blocks';
import { type Span, trimSpan } from './span';

// Segmentation follows Unicode (UAX #29) through ICU, so sentences and words are found in any script,
// CJK without spaces included. A fixed locale keeps the output the same on every machine.
const LOCALE = 'und';
const sentenceSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'word' });
const graphemeSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'grapheme' });

/** Trimmed spans of the segments of `text[start, end)`. */
function segmentSpans(segmenter: Intl.Segmenter, text: string, start: number, end: number): Span[] {
  const spans: Span[] = [];
  for (const segment of segmenter.segment(text.slice(start, end))) {
    const span = trimSpan(text, start + segment.index, start + segment.index + segment.segment.length);
    if (span) spans.push(span);
  }
  return spans;
}

/** How far back from a cut's limit boundaries are first looked for; widened when none is there. */
const FIRST_LOOK_BACK = 128;
/** Context after the limit, so the segmenter sees how the word at the limit goes on. */
const LOOK_AHEAD = 32;

/**
 * The last segment boundary `b` with `from < b <= limit`, or null. Only a window before the limit is
 * segmented (widened until a boundary turns up or it reaches `from`): segmenting a whole long text
 * word by word costs about a microsecond per word, cutting it this way stays linear and small.
 */
function lastBoundary(segmenter: Intl.Segmenter, text: string, from: number, limit: number): number | null {
  for (let lookBack = FIRST_LOOK_BACK; ; lookBack *= 4) {
    const windowStart = Math.max(from, limit - lookBack);
    const windowEnd = Math.min(text.length, limit + LOOK_AHEAD);
    let best: number | null = null;
    for (const segment of segmenter.segment(text.slice(windowStart, windowEnd))) {
      const boundary = windowStart + segment.index;
      if (boundary > limit) break;
      // The window's own start is no boundary of the text (unless it is `from`, which never counts).
      if (boundary > windowStart) best = boundary;
    }
    if (best !== null || windowStart === from) return best;
  }
}

/**
 * Cuts a span longer than `maxChars` into pieces of at most that, each as long as it can be while
 * ending on a word boundary; only a single word longer than `maxChars` is cut between graphemes.
 */
function wordPieces(text: string, span: Span, maxChars: number): Span[] {
  const pieces: Span[] = [];
  let from = span.start;
  while (from < span.end) {
    const limit = from + maxChars;
    const cut =
      limit >= span.end
        ? span.end
        : (lastBoundary(wordSegmenter, text, from, limit) ??
          lastBoundary(graphemeSegmenter, text, from, limit) ??
          limit);
    const piece = trimSpan(text, from, cut);
    if (piece) pieces.push(piece);
    from = cut;
  }
  return pieces;
}

/** Each sentence that fits is a unit; a longer one is cut between words. */
function sentenceUnits(text: string, span: Span, maxChars: number): Span[] {
  return segmentSpans(sentenceSegmenter, text, span.start, span.end).flatMap((sentence) =>
    sentence.end - sentence.start <= maxChars ? [sentence] : wordPieces(text, sentence, maxChars),
  );
}

/** Code is cut between lines, never inside one unless a single line is longer than a chunk. */
function codeUnits(text: string, span: Span, maxChars: number): Span[] {
  const units: Span[] = [];
  let lineStart = span.start;
  while (lineStart < span.end) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > span.end ? span.end : newline;
    const line = trimSpan(text, lineStart, lineEnd);
    if (line) {
      // Indentation matters in code: a line's unit starts where the line starts.
      const indented = { start: lineStart, end: line.end };
      if (indented.end - indented.start <= maxChars) units.push(indented);
      else units.push(...wordPieces(text, line, maxChars));
    }
    lineStart = lineEnd + 1;
  }
  return units;
}

/**
 * Cuts body blocks into units no longer than `maxChars`: a block that fits is one unit; a longer
 * paragraph is cut into sentences, a longer code block into lines, and only a sentence or line that is
 * itself too long is cut between words. Chunks are then made of whole units.
 */
export function unitsOf(
  text: string,
  blocks: readonly Extract<Block, { kind: 'paragraph' | 'code' }>[],
  maxChars: number,
): Span[] {
  return blocks.flatMap((block) => {
    if (block.end - block.start <= maxChars) return [{ start: block.start, end: block.end }];
    return block.kind === 'code' ? codeUnits(text, block, maxChars) : sentenceUnits(text, block, maxChars);
  });
}
