import { playedTextOf } from './played-text';

const pieces = [
  { text: 'Hello there. ', startMs: 0, endMs: 1000 },
  { text: 'The weather is fine today. ', startMs: 1000, endMs: 3000 },
  { text: 'Bye.', startMs: 3000, endMs: 3500 },
];

describe('playedTextOf', () => {
  it('is nothing before any audio played', () => {
    expect(playedTextOf(pieces, 0)).toBe('');
  });

  it('holds the pieces heard in full', () => {
    expect(playedTextOf(pieces, 1000)).toBe('Hello there. ');
    expect(playedTextOf(pieces, 5000)).toBe('Hello there. The weather is fine today. Bye.');
  });

  it('cuts the piece being heard after its last whole word', () => {
    expect(playedTextOf(pieces, 2000)).toBe('Hello there. The weather');
    expect(playedTextOf(pieces, 1050)).toBe('Hello there. ');
  });
});
