import { ReadBackFilter, wordsOf } from './read-back-filter';

describe('ReadBackFilter', () => {
  it('compares words, whatever the case and punctuation', () => {
    expect(wordsOf("Sure. It's SUNNY, in Paris!")).toBe('sure its sunny in paris');
  });

  it('takes a transcript found within the reply text for a read-back, and nothing else', () => {
    const filter = new ReadBackFilter();
    expect(filter.isReadBack('sure')).toBe(false);
    filter.speaking('Sure. It is sunny in Paris');
    filter.speaking(' today, with a light wind.');
    expect(filter.isReadBack('it is sunny')).toBe(true);
    expect(filter.isReadBack('Paris today with a light')).toBe(true);
    expect(filter.isReadBack('what about london')).toBe(false);
    expect(filter.isReadBack('sunny in london')).toBe(false);
    // Whole words only, and never an empty transcript.
    expect(filter.isReadBack('unny')).toBe(false);
    expect(filter.isReadBack(' ... ')).toBe(false);
  });
});
