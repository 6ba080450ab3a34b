import { markdownBlocks } from './markdown-blocks';
import { packUnits } from './pack-units';
import { sectionsOf } from './sections';
import { unitsOf } from './units';

/**
 * Sizes are in characters (JavaScript string length, UTF-16 code units), not tokens: about 4 per token
 * for English with OpenAI's tokenizers, fewer per token for CJK.
 */
export interface ChunkingOptions {
  /** Longest chunk, in characters (at least 32). */
  readonly maxChars: number;
  /**
   * Characters at the end of a chunk that the next chunk of the same section starts with again, at
   * most; only whole sentences (or pieces) are repeated, so it can be less. 0 for none; below maxChars / 2.
   */
  readonly overlapChars: number;
}

/** About 250 tokens of English per chunk, a sentence or two repeated. */
export const DEFAULT_CHUNKING: ChunkingOptions = { maxChars: 1000, overlapChars: 150 };

export interface TextChunk {
  /** Position in the document, from 0, without gaps. */
  readonly ordinal: number;
  /**
   * The chunk's text, exactly as in the input (`input.slice(start, end)`), trimmed; a chunk starting
   * inside a code block keeps its first line's indentation.
   */
  readonly text: string;
  /** The headings it falls under, outermost first (`["Install", "Linux"]`); empty before any heading. */
  readonly headingPath: readonly string[];
  readonly start: number;
  readonly end: number;
}

const MIN_MAX_CHARS = 32;

function validate(options: ChunkingOptions): void {
  const { maxChars, overlapChars } = options;
  if (!Number.isInteger(maxChars) || maxChars < MIN_MAX_CHARS)
    throw new RangeError(`maxChars must be an integer ≥ ${MIN_MAX_CHARS}, got ${maxChars}`);
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars * 2 >= maxChars)
    throw new RangeError(`overlapChars must be an integer in [0, maxChars / 2), got ${overlapChars}`);
}

/** A heading path as one line for titles and snippets: `Install > Linux`. */
export function headingTrail(headingPath: readonly string[]): string {
  return headingPath.join(' > ');
}

/**
 * Splits a text (plain, or Markdown-style as extraction gives it) into chunks of at most
 * `options.maxChars` characters. Chunks never cross a heading and carry the heading path they fall
 * under; inside a section they hold whole paragraphs where they fit, whole sentences (Unicode sentence
 * segmentation) where a paragraph is too long, whole code lines for code, and words only where a
 * sentence is longer than a chunk: nothing is cut inside a word unless one word alone is longer than a
 * chunk. Consecutive chunks of a section overlap by up to `overlapChars`. A heading with neither text
 * nor subsections becomes a chunk of its own line. The same input and options always give the same
 * chunks; blank input gives none.
 */
export function chunkText(text: string, options: ChunkingOptions = DEFAULT_CHUNKING): TextChunk[] {
  validate(options);
  const chunks: TextChunk[] = [];
  for (const section of sectionsOf(markdownBlocks(text))) {
    const units = unitsOf(text, section.body, options.maxChars);
    const spans =
      units.length > 0
        ? packUnits(units, options.maxChars, options.overlapChars)
        : section.heading && !section.hasSubsections
          ? [section.heading]
          : [];
    for (const span of spans) {
      chunks.push({
        ordinal: chunks.length,
        text: text.slice(span.start, span.end),
        headingPath: section.headingPath,
        start: span.start,
        end: span.end,
      });
    }
  }
  return chunks;
}
