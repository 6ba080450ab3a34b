import { type Span, trimSpan } from './span';

/** A heading line (`## Linux`), a paragraph (lines up to a blank one) or a fenced code block. */
export type Block =
  | (Span & { readonly kind: 'heading'; readonly level: number; readonly title: string })
  | (Span & { readonly kind: 'paragraph' | 'code' });

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

interface Line {
  readonly start: number;
  /** End of the line's text, without its newline. */
  readonly end: number;
  readonly text: string;
}

function* linesOf(text: string): Generator<Line> {
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    yield { start, end, text: text.slice(start, end) };
    if (newline === -1) return;
    start = newline + 1;
  }
}

function isFenceClose(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed === fence[0]!.repeat(trimmed.length);
}

/**
 * The blocks of a text, Markdown-style: ATX headings (`#` to `######`), fenced code (``` or ~~~, up
 * to the matching fence or the end), and paragraphs separated by blank lines. Headings inside code
 * blocks stay code. Every block is trimmed; blank text yields none.
 */
export function markdownBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraphStart: number | null = null;
  let paragraphEnd = 0;
  let code: { start: number; fence: string } | null = null;

  const closeParagraph = () => {
    if (paragraphStart === null) return;
    const span = trimSpan(text, paragraphStart, paragraphEnd);
    if (span) blocks.push({ kind: 'paragraph', ...span });
    paragraphStart = null;
  };

  for (const line of linesOf(text)) {
    if (code) {
      if (isFenceClose(line.text, code.fence)) {
        blocks.push({ kind: 'code', start: code.start, end: line.end });
        code = null;
      }
      continue;
    }
    const fence = FENCE_OPEN.exec(line.text);
    if (fence) {
      closeParagraph();
      code = { start: line.start + line.text.indexOf(fence[1]!), fence: fence[1]! };
      continue;
    }
    const heading = ATX_HEADING.exec(line.text);
    if (heading) {
      closeParagraph();
      const span = trimSpan(text, line.start, line.end)!;
      blocks.push({ kind: 'heading', level: heading[1]!.length, title: heading[2]!.trim(), ...span });
      continue;
    }
    if (line.text.trim() === '') {
      closeParagraph();
      continue;
    }
    paragraphStart ??= line.start;
    paragraphEnd = line.end;
  }
  closeParagraph();
  if (code) {
    const span = trimSpan(text, code.start, text.length);
    if (span) blocks.push({ kind: 'code', ...span });
  }
  return blocks;
}
