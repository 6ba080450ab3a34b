import { ErrorCode } from '@conduit/contracts';
import {
  decodedAudio,
  framesOf,
  silence,
  spokenPcm,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
} from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';
import { sendAtRealTime, VoiceSocket } from './support/voice-socket';

describe('/ws/voice', () => {
  let platform: TestPlatform;
  let voice: ServiceProcess;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let url: string;

  beforeAll(async () => {
    platform = await startPlatform();
    const { config } = platform.gateway;
    voice = await startServiceProcess('voice', {
      NATS_URL: config.NATS_URL,
      NATS_SUBJECT_PREFIX: config.NATS_SUBJECT_PREFIX,
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    });
    alice = await registerUser(platform.gateway.baseUrl);
    bob = await registerUser(platform.gateway.baseUrl);
    url = platform.gateway.baseUrl.replace('http', 'ws') + '/ws/voice';
  });
  afterAll(async () => {
    await voice?.stop(5_000);
    await platform?.close();
  });

  const openAs = (user: RegisteredUser) =>
    VoiceSocket.open(url, { authorization: `Bearer ${user.accessToken}` });

  it('refuses upgrades without a valid credential with 401, before any session', async () => {
    await expect(VoiceSocket.open(url)).rejects.toThrow('HTTP 401');
    await expect(VoiceSocket.open(url, { authorization: 'Bearer nonsense' })).rejects.toThrow('HTTP 401');
    await expect(VoiceSocket.open(`${url}?access_token=${alice.accessToken}`)).resolves.toBeInstanceOf(
      VoiceSocket,
    );
  });

  it.each([
    ['audio before start', Buffer.alloc(640), ErrorCode.ValidationFailed],
    ['text that is not JSON', 'hello', ErrorCode.ValidationFailed],
    [
      'an unsupported sample rate',
      { type: 'start', sampleRate: 44_100, encoding: 'pcm16' },
      ErrorCode.ValidationFailed,
    ],
    [
      'an unsupported encoding',
      { type: 'start', sampleRate: 16_000, encoding: 'mulaw' },
      ErrorCode.ValidationFailed,
    ],
    [
      'an unknown output format',
      { type: 'start', sampleRate: 16_000, encoding: 'pcm16', outputFormat: 'flac' },
      ErrorCode.ValidationFailed,
    ],
    ['a control message before start', { type: 'interrupt' }, ErrorCode.ValidationFailed],
    ['an unknown message', { type: 'dance' }, ErrorCode.ValidationFailed],
  ])('ends the session with a clear error on %s, and keeps serving', async (_what, message, code) => {
    const socket = await openAs(alice);
    if (Buffer.isBuffer(message)) socket.ws.send(message);
    else socket.send(message);
    expect(await socket.ended()).toMatchObject({ type: 'error', code, fatal: true });
    expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);
  });

  it('refuses an audio frame over the size limit', async () => {
    const socket = await openAs(alice);
    socket.ws.send(Buffer.alloc(platform.gateway.config.VOICE_MAX_FRAME_BYTES + 2));
    expect(await socket.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.PayloadTooLarge,
      fatal: true,
    });
  });

  it("passes the voice service's refusals on: an engine it does not have", async () => {
    const engine = await openAs(alice);
    engine.send({ type: 'start', sampleRate: 16_000, encoding: 'pcm16', stt: 'no-such-engine' });
    expect(await engine.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.ValidationFailed,
      fatal: true,
    });
  });

  it('speaks a typed turn as Ogg Opus when start asks for opus: binary frames that decode', async () => {
    const socket = await openAs(alice);
    socket.send({
      type: 'start',
      sampleRate: 24_000,
      encoding: 'pcm16',
      outputFormat: 'opus',
      model: 'offline/placeholder',
    });
    await waitFor(() => socket.events().some((e) => e.type === 'ready'), 'ready');
    expect(socket.events()[0]).toMatchObject({
      type: 'ready',
      outputFormat: 'opus',
      outputSampleRate: 24_000,
    });
    socket.send({ type: 'say', text: 'hello there' });
    await waitFor(
      () => socket.events().some((e) => e.type === 'turn.metrics'),
      () => `the turn to end; got ${JSON.stringify(socket.events()).slice(-1500)}`,
      60_000,
    );
    expect(socket.events().find((e) => e.type === 'audio.started')).toMatchObject({
      format: 'opus',
      sampleRate: 24_000,
    });
    expect(socket.events().some((e) => e.type === 'audio.done')).toBe(true);
    expect(decodedAudio(Buffer.concat(socket.audio))).toMatchObject({ container: 'ogg', codec: 'opus' });
    socket.send({ type: 'stop' });
    expect(await socket.ended()).toMatchObject({ type: 'done' });
  });

  it('holds a spoken conversation end to end on the offline engines (espeak-ng speaks, PocketSphinx hears)', async () => {
    const rate = 16_000;
    const frames = framesOf(
      Buffer.concat([spokenPcm('what is the weather like in paris today', rate), silence(1_500, rate)]),
      rate,
    );
    const socket = await openAs(alice);
    socket.send({ type: 'start', sampleRate: rate, encoding: 'pcm16', model: 'offline/placeholder' });
    await waitFor(() => socket.events().some((e) => e.type === 'ready'), 'ready');
    expect(socket.events()[0]).toMatchObject({
      type: 'ready',
      stt: 'pocketsphinx',
      tts: 'espeak-ng',
      outputSampleRate: rate,
    });
    await sendAtRealTime(socket.ws, frames);
    await waitFor(
      () => socket.events().some((e) => e.type === 'turn.metrics'),
      () => `the turn to end; got ${JSON.stringify(socket.events()).slice(-1500)}`,
      90_000,
    );
    const transcript = socket.events().find((e) => e.type === 'transcript.final');
    // PocketSphinx's small model hears "what is the weather like" of espeak-ng's sentence reliably.
    expect(transcript).toMatchObject({ text: expect.stringMatching(/what is the weather/) });
    const started = socket.received.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.started');
    const done = socket.received.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.done');
    expect(started).toBeGreaterThan(-1);
    expect(done).toBeGreaterThan(started);
    expect(socket.received.slice(started, done).filter((r) => r.kind === 'audio').length).toBeGreaterThan(10);
    const metrics = socket.events().find((e) => e.type === 'turn.metrics');
    expect(metrics).toMatchObject({
      metrics: {
        interrupted: false,
        vadEndOfSpeechMs: expect.any(Number),
        finalTranscriptMs: expect.any(Number),
        llmFirstTokenMs: expect.any(Number),
        ttsFirstByteMs: expect.any(Number),
        endOfSpeechToFirstAudioMs: expect.any(Number),
      },
    });
    socket.send({ type: 'stop' });
    expect(await socket.ended()).toMatchObject({ type: 'done' });
  });

  it("does not let one user continue another's conversation", async () => {
    const chat = await json(
      await api(platform.gateway.baseUrl, alice.accessToken)('/api/v1/chat/sessions', { body: {} }),
    );
    const socket = await openAs(bob);
    socket.send({ type: 'start', sampleRate: 16_000, encoding: 'pcm16', sessionId: chat.id });
    expect(await socket.ended()).toMatchObject({ type: 'error', code: ErrorCode.NotFound, fatal: true });
  });

  // Last: it kills the voice service.
  it('tells the client within seconds when the replica owning its session dies', async () => {
    const socket = await openAs(alice);
    socket.send({ type: 'start', sampleRate: 16_000, encoding: 'pcm16' });
    await waitFor(() => socket.events().some((e) => e.type === 'ready'), 'ready');
    await voice.kill();
    expect(await socket.ended()).toMatchObject({ type: 'error', code: ErrorCode.StreamLost, fatal: true });
  });
});
