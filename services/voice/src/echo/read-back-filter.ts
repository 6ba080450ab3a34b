/** Reply text kept for the comparison: well over what plays within the echo's delay and tail. */
const MAX_REPLY_CHARS = 4_000;

/** Lower case words (letters and digits) separated by single spaces: how transcripts and replies compare. */
export function wordsOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .replace(/'/g, '')
    .trim();
}

/**
 * Recognises transcripts that are the recogniser reading back the assistant's own reply (its audio
 * from the client's speaker): a transcript whose words all appear, in order and together, in the text
 * just spoken. The caller asks only while the reply plays or just after (the echo detector's window).
 */
export class ReadBackFilter {
  private spoken = '';

  /** More text of the reply being spoken. */
  speaking(text: string): void {
    this.spoken = `${this.spoken} ${wordsOf(text)}`.slice(-MAX_REPLY_CHARS);
  }

  isReadBack(transcript: string): boolean {
    const words = wordsOf(transcript);
    return words.length > 0 && ` ${this.spoken} `.includes(` ${words} `);
  }
}
