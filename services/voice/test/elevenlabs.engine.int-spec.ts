import { waitFor } from '@conduit/testing';
import { ElevenLabsTextToSpeech, type ElevenLabsOptions } from '../src/tts/elevenlabs.engine';
import { TextToSpeechError } from '../src/tts/text-to-speech.port';
import { startFakeElevenLabs, type FakeElevenLabsServer } from '@conduit/testing';

const API_KEY = 'el-test-key';
const VOICE = 'JBFqnCBsd6RMkjVDRZzb';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('ElevenLabsTextToSpeech against the fake ElevenLabs', () => {
  let fake: FakeElevenLabsServer;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = await startFakeElevenLabs({ apiKey: API_KEY });
  });
  afterEach(async () => {
    await fake.close();
  });

  const engine = (options: Partial<ElevenLabsOptions> = {}): ElevenLabsTextToSpeech =>
    new ElevenLabsTextToSpeech({
      apiKey: API_KEY,
      baseUrl: fake.url,
      model: 'eleven_flash_v2_5',
      voice: VOICE,
      sampleRate: 24_000,
      timeoutMs: 10_000,
      ...options,
    });

  async function speak(target: ElevenLabsTextToSpeech, text = 'Hello there.'): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    for await (const chunk of target.synthesize(text, { signal })) chunks.push(chunk);
    return chunks;
  }

  it('streams PCM chunks as they arrive, before the body ends', async () => {
    const release = fake.holdSpeech();
    const chunks: Buffer[] = [];
    const done = (async () => {
      for await (const chunk of engine().synthesize('Hello there.', { signal })) chunks.push(chunk);
    })();
    await waitFor(() => chunks.length > 0, 'the first audio chunk while the body is held');
    release();
    await done;
    expect(Buffer.concat(chunks).length).toBe(4 * 3_200);
    const [request] = fake.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: `/v1/text-to-speech/${VOICE}/stream`,
      apiKey: API_KEY,
    });
    expect(request?.query.get('output_format')).toBe('pcm_24000');
    expect(request?.json).toMatchObject({ text: 'Hello there.', model_id: 'eleven_flash_v2_5' });
  });

  it('asks for 16 kHz PCM when configured so', async () => {
    const target = engine({ sampleRate: 16_000 });
    expect(target.sampleRate).toBe(16_000);
    await speak(target);
    expect(fake.requests[0]?.query.get('output_format')).toBe('pcm_16000');
  });

  it('lists the voices of the account', async () => {
    await expect(engine().voices()).resolves.toEqual([
      { id: 'JBFqnCBsd6RMkjVDRZzb', name: 'George', language: 'en' },
      { id: 'EXAVITQu4vr4xnSDxMaL', name: 'Sarah', language: 'en' },
    ]);
  });

  it('is unavailable without a key', async () => {
    const keyless = engine({ apiKey: undefined });
    await expect(keyless.availability()).resolves.toEqual({
      available: false,
      reason: 'ELEVENLABS_API_KEY is not set',
    });
    await expect(rejectionOf(speak(keyless))).resolves.toMatchObject({ failure: 'unavailable' });
  });

  it('maps a refused key, a 429 with Retry-After and an unknown voice to the port failures', async () => {
    const refused = await rejectionOf(speak(engine({ apiKey: 'wrong' })));
    expect(refused).toBeInstanceOf(TextToSpeechError);
    expect(refused).toMatchObject({ engine: 'elevenlabs', failure: 'unauthorized' });
    fake.enqueue({ kind: 'refuse', status: 429, retryAfterSeconds: 5 });
    await expect(rejectionOf(speak(engine()))).resolves.toMatchObject({
      failure: 'rate_limited',
      retryAfterMs: 5_000,
    });
    await expect(rejectionOf(speak(engine({ voice: 'no-such-voice' })))).resolves.toMatchObject({
      failure: 'bad_request',
    });
  });

  it('fails upstream when the connection drops mid-body', async () => {
    fake.enqueue({ kind: 'drop', afterChunks: 1 });
    const chunks: Buffer[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of engine().synthesize('Hi.', { signal })) chunks.push(chunk);
      })(),
    );
    expect(error).toBeInstanceOf(TextToSpeechError);
    expect(error).toMatchObject({ failure: 'upstream' });
    expect(Buffer.concat(chunks).length).toBe(3_200);
  });

  it('stops at once on abort', async () => {
    const release = fake.holdSpeech();
    const controller = new AbortController();
    const chunks: Buffer[] = [];
    for await (const chunk of engine().synthesize('Hello there.', { signal: controller.signal })) {
      chunks.push(chunk);
      controller.abort();
    }
    release();
    expect(chunks).toHaveLength(1);
  });
});
