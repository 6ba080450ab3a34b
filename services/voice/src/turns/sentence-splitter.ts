/**
 * Cuts a reply streamed as text deltas into pieces that can be spoken on their own, as soon as each is
 * complete: a sentence (ended by . ! ? … followed by a space or a line break), or a clause (ended by
 * , ; : or a dash) once the piece is long enough to be worth speaking alone. Pieces are exact slices
 * of the text, whitespace included, so the pieces spoken so far joined are a prefix of the reply.
 */
export class SentenceSplitter {
  private pending = '';

  constructor(private readonly minClauseChars = 60) {}

  /** The pieces `delta` completed, in order. */
  push(delta: string): string[] {
    this.pending += delta;
    const pieces: string[] = [];
    for (;;) {
      const cut = this.nextCut();
      if (cut === null) break;
      pieces.push(this.pending.slice(0, cut));
      this.pending = this.pending.slice(cut);
    }
    return pieces;
  }

  /** The rest of the text once the reply is complete (empty or blank: nothing to speak). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  /** Where the first complete piece of `pending` ends (after the whitespace that closes it), or null. */
  private nextCut(): number | null {
    const text = this.pending;
    for (let i = 0; i < text.length - 1; i++) {
      const char = text[i]!;
      const next = text[i + 1]!;
      if (!/\s/.test(next)) continue;
      const endsSentence = /[.!?…]/.test(char) && !endsWithAbbreviation(text.slice(0, i + 1));
      const endsClause = /[,;:—–]/.test(char) && i + 1 >= this.minClauseChars;
      if (endsSentence || endsClause || next === '\n') {
        if (!hasWords(text.slice(0, i + 1))) continue;
        return i + 2;
      }
    }
    return null;
  }
}

const ABBREVIATIONS = /(?:^|\s)(?:mr|mrs|ms|dr|prof|st|vs|etc|e\.g|i\.e|no)\.$/i;

function endsWithAbbreviation(text: string): boolean {
  return ABBREVIATIONS.test(text);
}

function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
