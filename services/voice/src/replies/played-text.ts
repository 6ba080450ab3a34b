/** A piece of the reply as synthesised: where its audio lies in the reply's output stream. */
export interface SpokenPiece {
  readonly text: string;
  readonly startMs: number;
  /** Where its audio ends so far (it grows while the piece is being synthesised). */
  endMs: number;
}

/**
 * The text of the first `playedMs` of a reply's audio: every piece heard in full, then of the piece
 * being heard the words its elapsed share of the audio covers (speech runs roughly evenly over
 * characters), cut after the last whole word. It is what the user heard, so it is what is stored.
 */
export function playedTextOf(pieces: readonly SpokenPiece[], playedMs: number): string {
  let text = '';
  for (const piece of pieces) {
    if (piece.endMs <= playedMs) {
      text += piece.text;
      continue;
    }
    if (piece.startMs < playedMs) {
      const share = (playedMs - piece.startMs) / (piece.endMs - piece.startMs);
      text += wholeWordsOf(piece.text, Math.floor(piece.text.length * share));
    }
    break;
  }
  return text;
}

/** `text` up to `chars`, moved back to the end of the last word that ends within it. */
function wholeWordsOf(text: string, chars: number): string {
  if (chars >= text.length) return text;
  if (chars > 0 && /\s/.test(text[chars] ?? ' ')) return text.slice(0, chars);
  const lastBreak = text.slice(0, chars).search(/\s\S*$/);
  return lastBreak <= 0 ? '' : text.slice(0, lastBreak);
}
