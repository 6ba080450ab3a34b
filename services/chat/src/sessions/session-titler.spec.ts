import { titleFromText } from './session-titler';

describe('titleFromText', () => {
  it('keeps the first line, drops quotes, a "Title:" label and trailing punctuation', () => {
    expect(titleFromText('"Weekend in Paris."\nmore text')).toBe('Weekend in Paris');
    expect(titleFromText('Title: Fixing a flaky test')).toBe('Fixing a flaky test');
  });

  it('caps the length and gives nothing for empty text', () => {
    expect(titleFromText('one two three four five six seven eight nine ten')).toBe(
      'one two three four five six seven eight',
    );
    expect(titleFromText('   \n  ')).toBeNull();
  });
});
