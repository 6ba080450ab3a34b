import { waitFor } from '@conduit/testing';
import { OpenAISpeechToText } from '../src/stt/openai-transcription.engine';
import { SpeechToTextError, type TranscriptUpdate } from '../src/stt/speech-to-text.port';
import { OpenAITextToSpeech } from '../src/tts/openai-speech.engine';
import { TextToSpeechError } from '../src/tts/text-to-speech.port';
import { startFakeOpenAIAudio, type FakeOpenAIAudioServer } from '@conduit/testing';

const API_KEY = 'sk-test-audio-0123456789';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const item of items) seen.push(item);
  return seen;
}

describe('OpenAI audio engines against the fake OpenAI', () => {
  let fake: FakeOpenAIAudioServer;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = await startFakeOpenAIAudio({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  const stt = (model = 'gpt-4o-mini-transcribe', apiKey: string | undefined = API_KEY): OpenAISpeechToText =>
    new OpenAISpeechToText({ apiKey, baseUrl: fake.url, timeoutMs: 10_000, model });
  const tts = (apiKey: string | undefined = API_KEY): OpenAITextToSpeech =>
    new OpenAITextToSpeech({
      apiKey,
      baseUrl: fake.url,
      timeoutMs: 10_000,
      model: 'gpt-4o-mini-tts',
      voice: 'alloy',
    });

  describe('transcription', () => {
    it('transcribes a finished turn with streamed partials, then the final text', async () => {
      const recognition = stt().recognize({ language: 'en-US', signal });
      recognition.write(Buffer.alloc(16_000));
      recognition.write(Buffer.alloc(16_000));
      recognition.end();
      const updates = await collect(recognition.updates);
      expect(updates).toEqual<TranscriptUpdate[]>([
        { kind: 'partial', text: 'hello' },
        { kind: 'partial', text: 'hello from' },
        { kind: 'partial', text: 'hello from the' },
        { kind: 'partial', text: 'hello from the fake' },
        { kind: 'partial', text: 'hello from the fake openai' },
        { kind: 'final', text: 'hello from the fake openai' },
      ]);
      expect(fake.requests[0]).toMatchObject({
        path: '/v1/audio/transcriptions',
        authorization: `Bearer ${API_KEY}`,
        fields: { model: 'gpt-4o-mini-transcribe', language: 'en', stream: 'true' },
        fileBytes: 32_044,
      });
    });

    it('answers whisper-1 turns with the final text only, without streaming', async () => {
      const recognition = stt('whisper-1').recognize({ language: 'en', signal });
      recognition.write(Buffer.alloc(3_200));
      recognition.end();
      await expect(collect(recognition.updates)).resolves.toEqual([
        { kind: 'final', text: 'hello from the fake openai' },
      ]);
      expect(fake.requests[0]?.fields.stream).not.toBe('true');
    });

    it('transcribes a recording', async () => {
      const result = await stt().transcribe(
        { sampleRate: 16_000, data: Buffer.alloc(32_000) },
        { language: 'en', signal },
      );
      expect(result).toEqual({ text: 'hello from the fake openai', language: 'en', durationSeconds: 1 });
    });

    it('maps a refused key, a 429 with Retry-After and a missing key to the port failures', async () => {
      const audio = { sampleRate: 16_000, data: Buffer.alloc(3_200) };
      await expect(
        rejectionOf(stt(undefined, 'sk-wrong').transcribe(audio, { language: 'en', signal })),
      ).resolves.toMatchObject({
        failure: 'unauthorized',
      });
      fake.enqueue({ kind: 'refuse', status: 429, retryAfterSeconds: 3 });
      const limited = await rejectionOf(stt().transcribe(audio, { language: 'en', signal }));
      expect(limited).toBeInstanceOf(SpeechToTextError);
      expect(limited).toMatchObject({ failure: 'rate_limited', retryAfterMs: 3_000 });
      const keyless = new OpenAISpeechToText({
        apiKey: undefined,
        baseUrl: fake.url,
        timeoutMs: 10_000,
        model: 'whisper-1',
      });
      await expect(keyless.availability()).resolves.toEqual({
        available: false,
        reason: 'OPENAI_API_KEY is not set',
      });
      await expect(rejectionOf(keyless.transcribe(audio, { language: 'en', signal }))).resolves.toMatchObject(
        {
          failure: 'unavailable',
        },
      );
    });

    it('fails upstream when the connection drops mid-stream, after the partials that came', async () => {
      fake.enqueue({ kind: 'drop', afterChunks: 2 });
      const recognition = stt().recognize({ language: 'en', signal });
      recognition.write(Buffer.alloc(3_200));
      recognition.end();
      const seen: TranscriptUpdate[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const update of recognition.updates) seen.push(update);
        })(),
      );
      expect(error).toBeInstanceOf(SpeechToTextError);
      expect(error).toMatchObject({ failure: 'upstream' });
      expect(seen).toEqual([
        { kind: 'partial', text: 'hello' },
        { kind: 'partial', text: 'hello from' },
      ]);
    });

    it('ends the updates at once on abort', async () => {
      const controller = new AbortController();
      const recognition = stt().recognize({ language: 'en', signal: controller.signal });
      recognition.write(Buffer.alloc(3_200));
      controller.abort();
      recognition.end();
      await expect(collect(recognition.updates)).resolves.toEqual([]);
    });
  });

  describe('speech', () => {
    it('yields 24 kHz PCM chunks as the body arrives, before it ends', async () => {
      const release = fake.holdSpeech();
      const engine = tts();
      expect(engine.sampleRate).toBe(24_000);
      const chunks: Buffer[] = [];
      const done = (async () => {
        for await (const chunk of engine.synthesize('Hello there.', { signal })) chunks.push(chunk);
      })();
      await waitFor(() => chunks.length > 0, 'the first audio chunk while the body is held');
      expect(chunks[0]?.readInt16LE(0)).toBe(1);
      release();
      await done;
      const audio = Buffer.concat(chunks);
      expect(audio.length).toBe(4 * 4_800);
      expect(chunks.every((chunk) => chunk.length % 2 === 0)).toBe(true);
      expect(fake.requests[0]?.json).toMatchObject({
        model: 'gpt-4o-mini-tts',
        voice: 'alloy',
        input: 'Hello there.',
        response_format: 'pcm',
      });
    });

    it('lists the documented voices', async () => {
      const voices = await tts().voices();
      expect(voices.map((voice) => voice.id)).toEqual(expect.arrayContaining(['alloy', 'nova', 'shimmer']));
    });

    it('maps a refused key and a 429 with Retry-After to the port failures', async () => {
      const refused = await rejectionOf(collect(tts('sk-wrong').synthesize('Hi.', { signal })));
      expect(refused).toBeInstanceOf(TextToSpeechError);
      expect(refused).toMatchObject({ failure: 'unauthorized' });
      fake.enqueue({ kind: 'refuse', status: 429, retryAfterSeconds: 4 });
      await expect(rejectionOf(collect(tts().synthesize('Hi.', { signal })))).resolves.toMatchObject({
        failure: 'rate_limited',
        retryAfterMs: 4_000,
      });
    });

    it('fails upstream when the connection drops mid-body', async () => {
      fake.enqueue({ kind: 'drop', afterChunks: 1 });
      const chunks: Buffer[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const chunk of tts().synthesize('Hi.', { signal })) chunks.push(chunk);
        })(),
      );
      expect(error).toBeInstanceOf(TextToSpeechError);
      expect(error).toMatchObject({ failure: 'upstream' });
      expect(Buffer.concat(chunks).length).toBe(4_800);
    });

    it('stops at once on abort', async () => {
      const release = fake.holdSpeech();
      const controller = new AbortController();
      const chunks: Buffer[] = [];
      for await (const chunk of tts().synthesize('Hello there.', { signal: controller.signal })) {
        chunks.push(chunk);
        controller.abort();
      }
      release();
      expect(chunks).toHaveLength(1);
    });
  });
});
