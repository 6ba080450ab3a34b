import { chooseEspeakVoice, parseEspeakVoices } from './espeak-voices';

const LISTING = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  af              --/M      Afrikaans          gmw/af
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  de              --/M      German             gmw/de
`;

describe('espeak-ng voices', () => {
  const voices = parseEspeakVoices(LISTING);

  it('parses the listing', () => {
    expect(voices).toEqual([
      { id: 'af', name: 'Afrikaans', language: 'af' },
      { id: 'en-gb', name: 'English (Great Britain)', language: 'en-gb' },
      { id: 'en-us', name: 'English (America)', language: 'en-us' },
      { id: 'de', name: 'German', language: 'de' },
    ]);
  });

  it('chooses the voice asked for, else one of the language, else the default', () => {
    expect(chooseEspeakVoice(voices, { voice: 'en-gb' }, 'en-us')).toBe('en-gb');
    expect(chooseEspeakVoice(voices, { voice: 'klingon' }, 'en-us')).toBeUndefined();
    expect(chooseEspeakVoice(voices, { language: 'EN-GB' }, 'en-us')).toBe('en-gb');
    expect(chooseEspeakVoice(voices, { language: 'de-AT' }, 'en-us')).toBe('de');
    expect(chooseEspeakVoice(voices, { language: 'fr-FR' }, 'en-us')).toBe('en-us');
    expect(chooseEspeakVoice(voices, {}, 'en-us')).toBe('en-us');
  });
});
