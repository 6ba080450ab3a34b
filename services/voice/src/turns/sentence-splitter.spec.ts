import { SentenceSplitter } from './sentence-splitter';

function split(deltas: string[], minClauseChars?: number): string[] {
  const splitter = new SentenceSplitter(minClauseChars);
  const pieces = deltas.flatMap((d) => splitter.push(d));
  const rest = splitter.flush();
  return rest ? [...pieces, rest] : pieces;
}

describe('SentenceSplitter', () => {
  it('gives each sentence as soon as the space after it arrives', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Hello there')).toEqual([]);
    expect(splitter.push('. How are')).toEqual(['Hello there. ']);
    expect(splitter.push(' you? Fine')).toEqual(['How are you? ']);
    expect(splitter.flush()).toBe('Fine');
  });

  it('keeps every character, so the pieces joined are the text', () => {
    const text = 'It costs 3.50 euros! Dr. Smith said so.\nNext line: yes; and more, words…  Done.';
    const deltas = text.match(/.{1,3}/gs)!;
    expect(split(deltas).join('')).toBe(text);
  });

  it('does not cut inside numbers or after common abbreviations', () => {
    expect(split(['Pay 3.50 now. Mr. Smith agrees. '])).toEqual(['Pay 3.50 now. ', 'Mr. Smith agrees. ']);
  });

  it('cuts long clauses at commas, short ones not', () => {
    expect(split(['One, two. '], 20)).toEqual(['One, two. ']);
    expect(split(['This is a fairly long clause of the reply, and here is the rest'], 20)).toEqual([
      'This is a fairly long clause of the reply, ',
      'and here is the rest',
    ]);
  });

  it('skips pieces without words', () => {
    expect(split(['... Well. '])).toEqual(['... Well. ']);
  });
});
