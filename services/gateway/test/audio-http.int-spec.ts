import OpenAI, { toFile } from 'openai';
import type { ServiceProcess } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';
import { startVoiceProcess, wavFile } from './support/voice-platform';

// Real audio end to end: espeak-ng speaks through /audio/speech, ffmpeg decodes the upload, PocketSphinx
// recognises it; chat answers voice messages with the fake OpenAI server behind it.
const SENTENCE = 'what is the weather like in paris today';
const MAX_UPLOAD_BYTES = 1024 * 1024;
const MAX_SECONDS = 20;

describe('audio over HTTP: the gateway, the voice service (own process), chat, NATS and the Object Store', () => {
  let platform: TestPlatform;
  let voice: ServiceProcess;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let spokenWav: Buffer;
  const as = (user: RegisteredUser) => api(platform.gateway.baseUrl, user.accessToken);

  const upload = (
    user: RegisteredUser,
    path: string,
    file: Buffer,
    filename: string,
    fields: Record<string, string> = {},
  ) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([file]), filename);
    return fetch(`${platform.gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}` },
      body: form,
    });
  };

  const speak = async (user: RegisteredUser, body: Record<string, unknown>) => {
    const response = await as(user)('/api/v1/audio/speech', { body });
    return { response, audio: Buffer.from(await response.arrayBuffer()) };
  };

  beforeAll(async () => {
    platform = await startPlatform({ gateway: { VOICE_UPLOAD_MAX_BYTES: MAX_UPLOAD_BYTES } });
    voice = await startVoiceProcess(platform.gateway, { VOICE_UPLOAD_MAX_SECONDS: String(MAX_SECONDS) });
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
    const { response, audio } = await speak(alice, { text: SENTENCE, format: 'wav', voice: 'en-us' });
    expect(response.status).toBe(200);
    spokenWav = audio;
  });
  afterAll(async () => {
    await voice?.stop(5_000);
    await platform?.close();
  });

  it('speaks text in every format and transcribes the speech back', async () => {
    expect(spokenWav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    const transcription = await upload(alice, '/api/v1/audio/transcriptions', spokenWav, 'speech.wav');
    expect(transcription.status).toBe(200);
    expect(await json(transcription)).toMatchObject({
      text: expect.stringMatching(/weather/),
      engine: 'pocketsphinx',
      inputFormat: 'wav',
      language: 'en-US',
      durationSeconds: expect.any(Number),
    });

    const mp3 = await speak(alice, { text: SENTENCE, voice: 'en-us' });
    expect(mp3.response.headers.get('content-type')).toBe('audio/mpeg');
    const opus = await speak(alice, { text: 'hello', format: 'opus' });
    expect(opus.response.headers.get('content-type')).toMatch(/^audio\/ogg/);
    expect(opus.audio.subarray(0, 4).toString('ascii')).toBe('OggS');
    const pcm = await speak(alice, { text: 'hello', format: 'pcm' });
    expect(pcm.response.headers.get('x-audio-sample-rate')).toBe('24000');
    expect(pcm.audio.length % 2).toBe(0);

    // The mp3 under a name that claims something else: the content decides.
    const fromMp3 = await upload(alice, '/api/v1/audio/transcriptions', mp3.audio, 'recording.m4a');
    expect(fromMp3.status).toBe(200);
    expect(await json(fromMp3)).toMatchObject({ text: expect.stringMatching(/weather/), inputFormat: 'mp3' });
  });

  it('works with the official openai SDK under /v1/audio', async () => {
    const created = await as(alice)('/api/v1/api-keys', { body: { name: 'sdk' } });
    const client = new OpenAI({
      baseURL: `${platform.gateway.baseUrl}/v1`,
      apiKey: (await json(created)).key,
      maxRetries: 0,
    });
    const speech = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: SENTENCE,
      response_format: 'wav',
    });
    const wav = Buffer.from(await speech.arrayBuffer());
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    const transcription = await client.audio.transcriptions.create({
      file: await toFile(wav, 'speech.wav'),
      model: 'whisper-1',
      language: 'en',
    });
    expect(transcription.text).toMatch(/weather/);
    const text = await client.audio.transcriptions.create({
      file: await toFile(wav, 'speech.wav'),
      model: 'pocketsphinx',
      response_format: 'text',
    });
    expect(String(text)).toMatch(/weather/);
    await expect(
      client.audio.transcriptions.create({
        file: await toFile(Buffer.from('not audio at all'), 'a.wav'),
        model: 'whisper-1',
      }),
    ).rejects.toMatchObject({ status: 415 });
  });

  it('lists the engines and the voices', async () => {
    const response = await as(bob)('/api/v1/audio/voices');
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.engines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'pocketsphinx',
          kind: 'speech-to-text',
          default: true,
          available: true,
        }),
        expect.objectContaining({ id: 'espeak-ng', kind: 'text-to-speech', default: true, available: true }),
      ]),
    );
    expect(body.voices).toEqual(
      expect.arrayContaining([expect.objectContaining({ engine: 'espeak-ng', id: 'en-us' })]),
    );
  });

  it('answers a voice message: transcript, chat reply in a session of the caller, spoken reply', async () => {
    const response = await upload(alice, '/api/v1/voice/messages', spokenWav, 'question.wav', {
      format: 'wav',
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      sessionId: expect.any(String),
      transcript: expect.stringMatching(/weather/),
      reply: 'The quick brown fox jumps over the lazy dog.',
      audio: { format: 'wav', contentType: 'audio/wav', engine: 'espeak-ng' },
    });
    expect(Buffer.from(body.audio.base64, 'base64').subarray(0, 4).toString('ascii')).toBe('RIFF');

    const session = await json(await as(alice)(`/api/v1/chat/sessions/${body.sessionId}`));
    expect(
      session.messages.map((message: { role: string; content: string }) => [message.role, message.content]),
    ).toEqual([
      ['user', body.transcript],
      ['assistant', body.reply],
    ]);

    // The session is its owner's only: anyone else is refused, as if it did not exist.
    const intruder = await upload(bob, '/api/v1/voice/messages', spokenWav, 'q.wav', {
      sessionId: body.sessionId,
    });
    expect(intruder.status).toBe(404);
    expect(intruder.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('refuses bad input with a clear problem and keeps serving', async () => {
    const expectProblem = async (response: Response, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      return json(response);
    };
    await expectProblem(
      await upload(alice, '/api/v1/audio/transcriptions', Buffer.from('plain text, not sound'), 'a.wav'),
      415,
    );
    await expectProblem(
      await upload(
        alice,
        '/api/v1/audio/transcriptions',
        Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj'),
        'song.mp3',
      ),
      415,
    );
    await expectProblem(
      await upload(alice, '/api/v1/audio/transcriptions', Buffer.alloc(0), 'empty.wav'),
      400,
    );
    await expectProblem(
      await upload(alice, '/api/v1/audio/transcriptions', Buffer.alloc(MAX_UPLOAD_BYTES + 1), 'big.wav'),
      413,
    );
    const tooLong = wavFile(Buffer.alloc((MAX_SECONDS + 5) * 16_000 * 2), 16_000);
    expect(
      await expectProblem(await upload(alice, '/api/v1/audio/transcriptions', tooLong, 'long.wav'), 413),
    ).toMatchObject({
      maxSeconds: MAX_SECONDS,
    });
    await expectProblem(
      await upload(alice, '/api/v1/audio/transcriptions', spokenWav, 'a.wav', { engine: 'nope' }),
      400,
    );
    await expectProblem(
      await upload(alice, '/api/v1/audio/transcriptions', spokenWav, 'a.wav', { language: 'de-DE' }),
      400,
    );
    await expectProblem(
      await upload(alice, '/api/v1/audio/transcriptions', spokenWav, 'a.wav', { colour: 'red' }),
      400,
    );
    const noFile = await as(alice)('/api/v1/audio/transcriptions', { body: { text: 'x' } });
    await expectProblem(noFile, 400);

    const speech = (body: Record<string, unknown>) => as(alice)('/api/v1/audio/speech', { body });
    await expectProblem(await speech({ text: '   ' }), 400);
    await expectProblem(await speech({ text: 'hello', voice: 'no-such-voice' }), 400);
    await expectProblem(await speech({ text: 'hello', engine: 'nope' }), 400);
    await expectProblem(await speech({ text: 'hello', format: 'flac' }), 400);
    await expectProblem(await speech({ text: 'x'.repeat(5_000) }), 400);

    const anonymous = await fetch(`${platform.gateway.baseUrl}/api/v1/audio/voices`);
    expect(anonymous.status).toBe(401);

    const still = await speak(alice, { text: 'still here', format: 'wav' });
    expect(still.response.status).toBe(200);
  });
});
