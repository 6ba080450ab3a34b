/** A stretch of the input text, `[start, end)` in UTF-16 code units (JavaScript string indices). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** The span without leading and trailing whitespace, or null when it is only whitespace. */
export function trimSpan(text: string, start: number, end: number): Span | null {
  let from = start;
  let to = end;
  while (from < to && /\s/.test(text[from]!)) from++;
  while (to > from && /\s/.test(text[to - 1]!)) to--;
  return from < to ? { start: from, end: to } : null;
}
