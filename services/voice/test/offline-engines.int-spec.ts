import { waitFor } from '@conduit/testing';
import { PocketSphinxEngine } from '../src/stt/pocketsphinx.engine';
import { SpeechToTextError, type TranscriptUpdate } from '../src/stt/speech-to-text.port';
import { EspeakEngine } from '../src/tts/espeak.engine';
import { TextToSpeechError } from '../src/tts/text-to-speech.port';
import { childProcessesNamed } from './support/child-processes';
import { atRate, silence, speak } from './support/speech';

// Real audio through the real Debian programs: espeak-ng speaks, PocketSphinx listens.
const SENTENCE = 'what is the weather like in paris today';
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

describe('offline engines (espeak-ng and PocketSphinx)', () => {
  const espeak = new EspeakEngine({ binary: 'espeak-ng', defaultVoice: 'en-us' });
  const sphinx = new PocketSphinxEngine({
    binary: 'pocketsphinx_continuous',
    modelDir: MODEL_DIR,
    partialIntervalMs: 300,
  });
  const options = () => ({ language: 'en-US', signal: new AbortController().signal });
  let sentence16k: Buffer;

  beforeAll(async () => {
    sentence16k = (await atRate(await speak(espeak, SENTENCE), sphinx.sampleRate)).data;
  });

  afterEach(async () => {
    await waitFor(
      async () => (await childProcessesNamed('pocketsphinx')).length === 0,
      'no decoder left running',
    );
    await waitFor(
      async () => (await childProcessesNamed('espeak-ng')).length === 0,
      'no synthesiser left running',
    );
  });

  it('are available here', async () => {
    await expect(espeak.availability()).resolves.toEqual({ available: true });
    await expect(sphinx.availability()).resolves.toEqual({ available: true });
  });

  it('espeak-ng streams 16-bit PCM at its rate and lists its voices', async () => {
    const audio = await speak(espeak, SENTENCE);
    expect(audio.sampleRate).toBe(22_050);
    expect(audio.data.length % 2).toBe(0);
    expect(audio.data.length / 2 / audio.sampleRate).toBeGreaterThan(1);
    const voices = await espeak.voices();
    expect(voices).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'en-us', language: 'en-us' })]),
    );
    expect(voices.length).toBeGreaterThan(10);
  });

  it('PocketSphinx transcribes what espeak-ng said', async () => {
    const result = await sphinx.transcribe(
      { sampleRate: 22_050, data: (await speak(espeak, SENTENCE)).data },
      options(),
    );
    expect(result.text).toMatch(/weather/);
    expect(result.durationSeconds).toBeGreaterThan(1);
  });

  it('a live recognition gives partials while audio streams in and finals of every utterance', async () => {
    const recognition = sphinx.recognize(options());
    const updates: TranscriptUpdate[] = [];
    const reading = (async () => {
      for await (const update of recognition.updates) updates.push(update);
    })();
    // The first part of the sentence, with no pause: no utterance has ended yet, only partials can come.
    const firstPart = sentence16k.subarray(0, Math.floor(sentence16k.length / 4) * 2);
    for (let offset = 0; offset < firstPart.length; offset += 3_200)
      recognition.write(firstPart.subarray(offset, offset + 3_200));
    await waitFor(
      () => updates.some((update) => update.kind === 'partial'),
      () => `a partial; got ${JSON.stringify(updates)}`,
    );
    recognition.write(sentence16k.subarray(firstPart.length));
    recognition.write(silence(1, 16_000));
    recognition.write(sentence16k);
    recognition.end();
    await reading;
    const finals = updates.filter((update) => update.kind === 'final');
    expect(finals.length).toBeGreaterThanOrEqual(1);
    expect(finals.map((final) => final.text).join(' ')).toMatch(/weather.*weather/);
    expect(updates.at(-1)?.kind).toBe('final');
  });

  it('aborting a live recognition ends its updates and kills the decoder', async () => {
    const abort = new AbortController();
    const recognition = sphinx.recognize({ language: 'en-US', signal: abort.signal });
    recognition.write(sentence16k);
    await waitFor(async () => (await childProcessesNamed('pocketsphinx')).length > 0, 'the decoder running');
    abort.abort();
    const seen: TranscriptUpdate[] = [];
    for await (const update of recognition.updates) seen.push(update);
    expect(seen.filter((update) => update.kind === 'final')).toEqual([]);
  });

  it('aborting a synthesis ends its audio and kills espeak-ng', async () => {
    const abort = new AbortController();
    let chunks = 0;
    for await (const chunk of espeak.synthesize(`${SENTENCE}. `.repeat(40), { signal: abort.signal })) {
      expect(chunk.length).toBeGreaterThan(0);
      chunks++;
      abort.abort();
    }
    expect(chunks).toBe(1);
  });

  it('refuses what it cannot do with typed errors', async () => {
    const never = new AbortController().signal;
    await expect(drain(espeak.synthesize('  ', { signal: never }))).rejects.toMatchObject({
      failure: 'bad_request',
    });
    await expect(
      drain(espeak.synthesize('hello', { voice: 'no-such-voice', signal: never })),
    ).rejects.toBeInstanceOf(TextToSpeechError);
    expect(() => sphinx.recognize({ language: 'de-DE', signal: never })).toThrow(SpeechToTextError);
    await expect(
      sphinx.transcribe({ sampleRate: 16_000, data: sentence16k }, { language: 'fr', signal: never }),
    ).rejects.toMatchObject({ failure: 'bad_request' });
  });

  it('say honestly that they are missing when their programs are not installed', async () => {
    const missingSphinx = new PocketSphinxEngine({
      binary: '/nonexistent/pocketsphinx_continuous',
      modelDir: MODEL_DIR,
      partialIntervalMs: 0,
    });
    const missingModel = new PocketSphinxEngine({
      binary: 'pocketsphinx_continuous',
      modelDir: '/nonexistent/model',
      partialIntervalMs: 0,
    });
    const missingEspeak = new EspeakEngine({ binary: '/nonexistent/espeak-ng', defaultVoice: 'en-us' });
    await expect(missingSphinx.availability()).resolves.toMatchObject({
      available: false,
      reason: expect.stringMatching(/pocketsphinx/),
    });
    await expect(missingModel.availability()).resolves.toMatchObject({
      available: false,
      reason: expect.stringMatching(/model/),
    });
    await expect(missingEspeak.availability()).resolves.toMatchObject({
      available: false,
      reason: expect.stringMatching(/espeak-ng/),
    });

    await expect(
      missingSphinx.transcribe({ sampleRate: 16_000, data: sentence16k }, options()),
    ).rejects.toMatchObject({
      failure: 'unavailable',
    });
    await expect(
      missingModel.transcribe({ sampleRate: 16_000, data: sentence16k }, options()),
    ).rejects.toMatchObject({
      failure: 'unavailable',
    });
    const live = missingSphinx.recognize(options());
    live.write(sentence16k);
    live.end();
    await expect(drain(live.updates)).rejects.toMatchObject({ failure: 'unavailable' });
    await expect(
      drain(missingEspeak.synthesize('hello', { signal: new AbortController().signal })),
    ).rejects.toMatchObject({
      failure: 'unavailable',
    });
  });
});

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
