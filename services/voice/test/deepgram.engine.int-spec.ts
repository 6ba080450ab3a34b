import { waitFor } from '@conduit/testing';
import { startFakeDeepgram, type FakeDeepgramServer } from '@conduit/testing';
import { DeepgramSpeechToText, type DeepgramEngineOptions } from '../src/stt/deepgram.engine';
import {
  SpeechToTextError,
  type LiveRecognition,
  type TranscriptUpdate,
} from '../src/stt/speech-to-text.port';

const API_KEY = 'dg-test-key';
const WORD_BYTES = 3_200;

describe('DeepgramSpeechToText against the fake Deepgram', () => {
  let fake: FakeDeepgramServer;

  beforeEach(async () => {
    fake = await startFakeDeepgram({ apiKey: API_KEY, bytesPerWord: WORD_BYTES });
  });
  afterEach(async () => {
    await fake.close();
  });

  const engine = (options: Partial<DeepgramEngineOptions> = {}): DeepgramSpeechToText =>
    new DeepgramSpeechToText({
      apiKey: API_KEY,
      baseUrl: fake.url,
      model: 'nova-3',
      endpointingMs: 300,
      utteranceEndMs: 1000,
      timeoutMs: 10_000,
      ...options,
    });

  /** Writes `words` words' worth of audio in 20 ms frames. */
  function speak(recognition: LiveRecognition, words: number): void {
    const frame = Buffer.alloc(640);
    for (let sent = 0; sent < words * WORD_BYTES; sent += frame.length) recognition.write(frame);
  }

  async function collect(updates: AsyncIterable<TranscriptUpdate>): Promise<TranscriptUpdate[]> {
    const seen: TranscriptUpdate[] = [];
    for await (const update of updates) seen.push(update);
    return seen;
  }

  async function failureOf(promise: Promise<unknown>): Promise<SpeechToTextError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SpeechToTextError);
    return error as SpeechToTextError;
  }

  it('says it is unavailable without a key, and a recognition fails with that', async () => {
    const keyless = engine({ apiKey: undefined });
    await expect(keyless.availability()).resolves.toEqual({
      available: false,
      reason: 'DEEPGRAM_API_KEY is not set',
    });
    const recognition = keyless.recognize({ language: 'en-US', signal: new AbortController().signal });
    await expect(failureOf(collect(recognition.updates))).resolves.toMatchObject({ failure: 'unavailable' });
    await expect(engine().availability()).resolves.toEqual({ available: true });
  });

  it('streams partial transcripts as audio arrives, then the final one', async () => {
    const recognition = engine().recognize({ language: 'en-US', signal: new AbortController().signal });
    const updates = collect(recognition.updates);
    speak(recognition, 5);
    recognition.end();

    const seen = await updates;
    expect(seen.at(-1)).toEqual({ kind: 'final', text: 'hello from the fake deepgram', confidence: 0.97 });
    const partials = seen.slice(0, -1);
    expect(partials.map((update) => update.kind)).toEqual(partials.map(() => 'partial'));
    expect(partials.map((update) => update.text)).toEqual([
      'hello',
      'hello from',
      'hello from the',
      'hello from the fake',
      'hello from the fake deepgram',
    ]);

    const [stream] = fake.streams;
    expect(stream?.authorization).toBe(`Token ${API_KEY}`);
    expect(Object.fromEntries(stream?.query ?? [])).toMatchObject({
      model: 'nova-3',
      language: 'en-US',
      encoding: 'linear16',
      sample_rate: '16000',
      channels: '1',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
    });
    expect(stream?.audioBytes).toBe(5 * WORD_BYTES);
    expect(stream?.controls).toContain('CloseStream');
    await waitFor(() => fake.openSockets() === 0, 'the socket closed after CloseStream');
  });

  it('ends with the final transcript of what was said when the turn ends mid-utterance', async () => {
    fake.enqueue({ kind: 'transcribe', words: ['one', 'two', 'three', 'four'] });
    const recognition = engine().recognize({ language: 'en', signal: new AbortController().signal });
    const updates = collect(recognition.updates);
    speak(recognition, 2);
    recognition.end();
    const seen = await updates;
    expect(seen.at(-1)).toMatchObject({ kind: 'final', text: 'one two' });
    expect(seen.filter((update) => update.kind === 'final')).toHaveLength(1);
  });

  it('fails unauthorized when Deepgram refuses the key at the upgrade', async () => {
    const recognition = engine({ apiKey: 'wrong-key' }).recognize({
      language: 'en-US',
      signal: new AbortController().signal,
    });
    speak(recognition, 1);
    const error = await failureOf(collect(recognition.updates));
    expect(error).toMatchObject({ engine: 'deepgram', failure: 'unauthorized' });
    expect(error.message).not.toContain('wrong-key');
  });

  it('fails rate_limited with the wait Deepgram asked for', async () => {
    fake.enqueue({ kind: 'refuse', status: 429, retryAfterSeconds: 7 });
    const recognition = engine().recognize({ language: 'en-US', signal: new AbortController().signal });
    const error = await failureOf(collect(recognition.updates));
    expect(error).toMatchObject({ failure: 'rate_limited', retryAfterMs: 7_000 });
  });

  it('fails upstream at once when the connection drops mid-stream, after the partials it sent', async () => {
    fake.enqueue({ kind: 'drop', afterWords: 2 });
    const recognition = engine().recognize({ language: 'en-US', signal: new AbortController().signal });
    const seen: TranscriptUpdate[] = [];
    const consumed = (async () => {
      for await (const update of recognition.updates) seen.push(update);
    })();
    speak(recognition, 5);
    const error = await failureOf(consumed);
    expect(error).toMatchObject({ failure: 'upstream' });
    expect(seen.map((update) => update.text)).toEqual(['hello', 'hello from']);
  });

  it('stops at once on abort: no more updates, the socket closed', async () => {
    const controller = new AbortController();
    const recognition = engine().recognize({ language: 'en-US', signal: controller.signal });
    const seen: TranscriptUpdate[] = [];
    const consumed = (async () => {
      for await (const update of recognition.updates) {
        seen.push(update);
        controller.abort();
        speak(recognition, 3);
      }
    })();
    speak(recognition, 1);
    await consumed;
    expect(seen).toEqual([{ kind: 'partial', text: 'hello' }]);
    await waitFor(() => fake.openSockets() === 0, 'the fake saw the socket close');
  });

  it('transcribes a recording through the prerecorded API', async () => {
    const audio = { sampleRate: 16_000, data: Buffer.alloc(32_000) };
    const result = await engine().transcribe(audio, {
      language: 'en-US',
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ text: 'hello from the fake deepgram', language: 'en-US', durationSeconds: 1 });
    expect(fake.prerecorded[0]?.bytes).toBe(32_044);
    expect(Object.fromEntries(fake.prerecorded[0]?.query ?? [])).toMatchObject({
      model: 'nova-3',
      language: 'en-US',
    });
  });

  it('maps prerecorded refusals to the port failures', async () => {
    const audio = { sampleRate: 16_000, data: Buffer.alloc(3_200) };
    const signal = new AbortController().signal;
    await expect(
      failureOf(engine({ apiKey: 'wrong' }).transcribe(audio, { language: 'en', signal })),
    ).resolves.toMatchObject({ failure: 'unauthorized' });
    fake.enqueue({ kind: 'refuse', status: 429, retryAfterSeconds: 2 });
    await expect(failureOf(engine().transcribe(audio, { language: 'en', signal }))).resolves.toMatchObject({
      failure: 'rate_limited',
      retryAfterMs: 2_000,
    });
    fake.enqueue({ kind: 'drop', afterWords: 0 });
    // The SDK leaves its request timer running when the connection fails, holding the test process that
    // long; a short timeout keeps it brief (running out would be the same upstream failure).
    const dropped = engine({ timeoutMs: 1_000 }).transcribe(audio, { language: 'en', signal });
    await expect(failureOf(dropped)).resolves.toMatchObject({
      failure: 'upstream',
    });
  });
});
