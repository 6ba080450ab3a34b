import { ErrorCode, type ChatMessage } from '@conduit/contracts';
import {
  framesOf,
  silence,
  spokenPcm,
  startFakeGeminiLive,
  startFakeOpenAIRealtime,
  type FakeGeminiLiveServer,
  startServiceProcess,
  waitFor,
  type FakeOpenAIRealtimeServer,
  type ServiceProcess,
} from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';
import { VoiceSocket } from './support/voice-socket';

const RATE = 16_000;
const KEY = 'sk-fake-realtime-key';
const TRANSCRIPT = 'what is the weather like in paris today';
const ANSWER = 'It is sunny in Paris today, with a light wind from the west.';
/** Long enough (300 ms a word) to be still playing when the user speaks over it. */
const LONG_ANSWER = Array.from(
  { length: 4 },
  (_, i) => `This is sentence number ${i + 1} of a long answer.`,
).join(' ');
const WORD_MS = 300;
const GEMINI_KEY = 'fake-gemini-key';
const GEMINI_MODEL = 'google/gemini-2.5-flash-native-audio-preview-09-2025';

describe('/ws/voice in realtime mode (OpenAI Realtime, Gemini Live)', () => {
  let platform: TestPlatform;
  let voice: ServiceProcess;
  let realtime: FakeOpenAIRealtimeServer;
  let gemini: FakeGeminiLiveServer;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let url: string;
  let question: Buffer[];

  beforeAll(async () => {
    realtime = await startFakeOpenAIRealtime({
      apiKey: KEY,
      transcript: TRANSCRIPT,
      answer: ANSWER,
      msPerWord: WORD_MS,
      responseDelayMs: 50,
    });
    gemini = await startFakeGeminiLive({
      apiKey: GEMINI_KEY,
      transcript: TRANSCRIPT,
      answer: ANSWER,
      msPerWord: WORD_MS,
      responseDelayMs: 50,
    });
    platform = await startPlatform();
    const { config } = platform.gateway;
    voice = await startServiceProcess('voice', {
      NATS_URL: config.NATS_URL,
      NATS_SUBJECT_PREFIX: config.NATS_SUBJECT_PREFIX,
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      OPENAI_API_KEY: KEY,
      OPENAI_REALTIME_BASE_URL: realtime.url,
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: gemini.url,
    });
    alice = await registerUser(platform.gateway.baseUrl);
    bob = await registerUser(platform.gateway.baseUrl);
    url = platform.gateway.baseUrl.replace('http', 'ws') + '/ws/voice';
    question = framesOf(Buffer.concat([spokenPcm(TRANSCRIPT, RATE), silence(800, RATE)]), RATE);
  });
  afterAll(async () => {
    await voice?.stop(5_000);
    await platform?.close();
    await realtime?.close();
    await gemini?.close();
  });

  const openAs = (user: RegisteredUser) =>
    VoiceSocket.open(url, { authorization: `Bearer ${user.accessToken}` });
  const startRealtime = async (user: RegisteredUser, extra: Record<string, unknown> = {}) => {
    const socket = await openAs(user);
    socket.send({ type: 'start', sampleRate: RATE, encoding: 'pcm16', mode: 'realtime', ...extra });
    await waitFor(() => socket.events().some((e) => e.type === 'ready' || e.type === 'error'), 'ready');
    return socket;
  };
  const speak = (socket: VoiceSocket) => question.forEach((frame) => socket.ws.send(frame));
  const messagesOf = async (user: RegisteredUser, sessionId: string): Promise<ChatMessage[]> => {
    const session = await json(
      await api(platform.gateway.baseUrl, user.accessToken)(`/api/v1/chat/sessions/${sessionId}`),
    );
    return session.messages as ChatMessage[];
  };
  /** A chat session of `user` where each of `questions` was asked and answered (by the fake chat model). */
  const chatWithHistory = async (user: RegisteredUser, questions: string[]): Promise<{ id: string }> => {
    const as = api(platform.gateway.baseUrl, user.accessToken);
    const chat = await json(await as('/api/v1/chat/sessions', { body: {} }));
    for (const content of questions) {
      const answered = await as(`/api/v1/chat/sessions/${chat.id}/messages`, {
        body: { content, stream: false },
      });
      expect(answered.status).toBe(200);
    }
    return chat;
  };
  const audioFrames = (socket: VoiceSocket) => socket.received.filter((r) => r.kind === 'audio').length;

  it('holds a spoken turn: transcripts, the answer as text and paced audio, metrics, and the turn stored in the chat session', async () => {
    const socket = await startRealtime(alice);
    const ready = socket.events()[0];
    expect(ready).toMatchObject({
      type: 'ready',
      mode: 'realtime',
      stt: 'openai/gpt-realtime',
      tts: 'openai/gpt-realtime',
      outputFormat: 'pcm16',
      outputSampleRate: RATE,
    });
    const connection = realtime.connections.at(-1)!;
    expect(connection.model).toBe('gpt-realtime');
    expect(connection.authorization).toBe(`Bearer ${KEY}`);
    expect(connection.sessionUpdates[0]).toMatchObject({
      type: 'realtime',
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24_000 }, turn_detection: { type: 'server_vad' } },
        output: { format: { type: 'audio/pcm', rate: 24_000 } },
      },
    });
    speak(socket);
    await waitFor(
      () => socket.events().some((e) => e.type === 'turn.metrics'),
      () => `the turn to end; got ${JSON.stringify(socket.events()).slice(-1500)}`,
      30_000,
    );
    const types = socket.events().map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'speech.started',
        'speech.stopped',
        'transcript.final',
        'audio.started',
        'audio.done',
      ]),
    );
    expect(types.indexOf('speech.started')).toBeLessThan(types.indexOf('speech.stopped'));
    expect(socket.events().find((e) => e.type === 'transcript.final')).toMatchObject({ text: TRANSCRIPT });
    const deltas = socket.events().flatMap((e) => (e.type === 'response.delta' ? [e.text] : []));
    expect(deltas.join('')).toBe(ANSWER);
    // The 16 kHz input reached OpenAI at 24 kHz, all of it (the resampler's few ms of lag aside).
    const sentMs = (question.reduce((n, f) => n + f.length, 0) / 2 / RATE) * 1000;
    expect(connection.appendedMs).toBeGreaterThan(sentMs - 50);
    expect(connection.appendedMs).toBeLessThanOrEqual(sentMs + 1);
    // The answer's audio came back at the client's rate, between audio.started and audio.done.
    const answerMs = ANSWER.split(' ').length * WORD_MS;
    const audioMs = (Buffer.concat(socket.audio).length / 2 / RATE) * 1000;
    expect(audioMs).toBeGreaterThan(answerMs - 50);
    expect(audioMs).toBeLessThan(answerMs + 50);
    const metrics = socket.events().find((e) => e.type === 'turn.metrics');
    expect(metrics).toMatchObject({
      metrics: {
        interrupted: false,
        vadEndOfSpeechMs: expect.any(Number),
        llmFirstTokenMs: expect.any(Number),
        ttsFirstByteMs: expect.any(Number),
        endOfSpeechToFirstAudioMs: expect.any(Number),
      },
    });
    const sessionId = (ready as { sessionId: string }).sessionId;
    await waitFor(async () => (await messagesOf(alice, sessionId)).length === 2, 'the turn stored');
    const [user, assistant] = await messagesOf(alice, sessionId);
    expect(user).toMatchObject({ role: 'user', content: TRANSCRIPT, status: 'complete' });
    expect(assistant).toMatchObject({
      role: 'assistant',
      content: ANSWER,
      status: 'complete',
      model: 'openai/gpt-realtime',
      parentId: user!.id,
    });
    // Metered from the provider's usage: text and audio tokens at gpt-realtime's prices.
    expect(assistant!.usage).toMatchObject({
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
    });
    expect(assistant!.costUsd).toBeGreaterThan(0);
    // A typed turn goes to the model as text, and is answered the same way.
    socket.send({ type: 'say', text: 'and tomorrow?' });
    await waitFor(
      () => socket.events().filter((e) => e.type === 'turn.metrics').length === 2,
      'the typed turn',
    );
    expect(connection.texts).toEqual(['and tomorrow?']);
    await waitFor(async () => (await messagesOf(alice, sessionId)).length === 4, 'the typed turn stored');
    socket.send({ type: 'stop' });
    expect(await socket.ended()).toMatchObject({ type: 'done' });
    await waitFor(() => realtime.openSockets() === 0, 'the provider connection closed');
  });

  it('stops the answer when the user speaks over it: audio.cancelled, the item truncated, and what was played stored', async () => {
    realtime.enqueue({ kind: 'answer', answer: LONG_ANSWER });
    const socket = await startRealtime(alice);
    const sessionId = (socket.events()[0] as { sessionId: string }).sessionId;
    speak(socket);
    await waitFor(() => audioFrames(socket) >= 40, 'the answer playing', 30_000);
    speak(socket);
    await waitFor(() => socket.events().some((e) => e.type === 'audio.cancelled'), 'the barge-in');
    const at = socket.received.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.cancelled');
    const cancelled = socket.events().find((e) => e.type === 'audio.cancelled') as {
      playedText: string;
      turnId: string;
    };
    expect(cancelled.playedText.length).toBeGreaterThan(0);
    expect(cancelled.playedText.length).toBeLessThan(LONG_ANSWER.length);
    expect(LONG_ANSWER.startsWith(cancelled.playedText)).toBe(true);
    // The new turn is answered; no frame of the cut answer follows the cancel.
    await waitFor(
      () => socket.events().filter((e) => e.type === 'audio.started').length === 2,
      () =>
        `the next answer; got ${JSON.stringify(realtime.connections.at(-1)?.sent.filter((t) => !t.includes('delta')))}`,
      30_000,
    );
    const afterCut = socket.received.slice(at);
    const nextStart = afterCut.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.started');
    expect(afterCut.slice(0, nextStart).filter((r) => r.kind === 'audio')).toHaveLength(0);
    const metrics = socket.events().filter((e) => e.type === 'turn.metrics');
    expect(metrics[0]).toMatchObject({ metrics: { turnId: cancelled.turnId, interrupted: true } });
    // OpenAI's item was cut to what was played (the audio sent, within the output lead).
    const connection = realtime.connections.at(-1)!;
    await waitFor(() => connection.truncations.length === 1, 'the truncation');
    expect(connection.truncations[0]!.audioEndMs).toBeGreaterThan(0);
    await waitFor(async () => (await messagesOf(alice, sessionId)).length === 4, 'both turns stored', 30_000);
    const [user, cut] = await messagesOf(alice, sessionId);
    expect(user).toMatchObject({ role: 'user', content: TRANSCRIPT });
    expect(cut).toMatchObject({ role: 'assistant', content: cancelled.playedText, status: 'cancelled' });
    socket.ws.close();
  });

  it('reports the provider failing a turn or dropping the connection, and keeps the session going', async () => {
    realtime.enqueue({ kind: 'close-mid-answer', afterDeltas: 3 });
    const socket = await startRealtime(alice);
    const sessionId = (socket.events()[0] as { sessionId: string }).sessionId;
    const connections = realtime.connections.length;
    speak(socket);
    await waitFor(() => socket.events().some((e) => e.type === 'error'), 'the error', 30_000);
    expect(socket.events().find((e) => e.type === 'error')).toMatchObject({
      code: ErrorCode.ProviderUnavailable,
      fatal: false,
    });
    await waitFor(() => socket.events().some((e) => e.type === 'turn.metrics'), 'the cut turn');
    // The next audio reconnects, and the next turn is answered in full.
    speak(socket);
    await waitFor(() => socket.events().some((e) => e.type === 'audio.done'), 'the next answer', 30_000);
    expect(realtime.connections.length).toBe(connections + 1);
    expect(socket.closedWith).toBeNull();
    await waitFor(async () => (await messagesOf(alice, sessionId)).length === 4, 'both turns stored');
    socket.ws.close();

    realtime.enqueue({ kind: 'fail-turn', code: 'server_error', message: 'The server had an error' });
    const failing = await startRealtime(alice);
    speak(failing);
    await waitFor(() => failing.events().some((e) => e.type === 'error'), 'the error', 30_000);
    expect(failing.events().find((e) => e.type === 'error')).toMatchObject({
      code: ErrorCode.ProviderUnavailable,
      message: expect.stringContaining('The server had an error'),
      fatal: false,
    });
    failing.send({ type: 'stop' });
    expect(await failing.ended()).toMatchObject({ type: 'done' });
  });

  it.each([
    ['a provider this service does not have', { model: 'acme/realtime-1' }, ErrorCode.ValidationFailed],
    ['a model it does not know', { model: 'openai/gpt-nothing' }, ErrorCode.UnknownModel],
    ['a chat model', { model: 'openai/gpt-4o-mini' }, ErrorCode.UnknownModel],
    ['compressed output', { outputFormat: 'mp3' }, ErrorCode.ValidationFailed],
    ['an unknown mode', { mode: 'telepathy' }, ErrorCode.ValidationFailed],
  ])('refuses a realtime start with %s, and keeps serving', async (_what, extra, code) => {
    const socket = await startRealtime(alice, extra);
    expect(await socket.ended()).toMatchObject({ type: 'error', code, fatal: true });
    expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);
  });

  it('passes on the provider refusing the session (a refused key), and keeps serving', async () => {
    realtime.enqueue({ kind: 'refuse', status: 401 });
    const refused = await startRealtime(alice);
    expect(await refused.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.ProviderAuthFailed,
      fatal: true,
    });
    const next = await startRealtime(alice);
    expect(next.events()[0]).toMatchObject({ type: 'ready', mode: 'realtime' });
    next.send({ type: 'stop' });
    expect(await next.ended()).toMatchObject({ type: 'done' });
  });

  it("does not let one user continue another's conversation in realtime mode (nor see its history)", async () => {
    const chat = await chatWithHistory(alice, ['a private question']);
    const before = realtime.connections.length;
    const socket = await startRealtime(bob, { sessionId: chat.id });
    expect(await socket.ended()).toMatchObject({ type: 'error', code: ErrorCode.NotFound, fatal: true });
    expect(realtime.connections.length).toBe(before);
    expect(await messagesOf(alice, chat.id)).toHaveLength(2);
  });

  it("replays a continued session's history to OpenAI Realtime after the session settings, before any response", async () => {
    const chat = await chatWithHistory(alice, ['first question', 'second question']);
    const history = await messagesOf(alice, chat.id);
    const socket = await startRealtime(alice, { sessionId: chat.id });
    expect(socket.events()[0]).toMatchObject({ type: 'ready', sessionId: chat.id });
    const connection = realtime.connections.at(-1)!;
    await waitFor(() => connection.messageItems.length === 4, 'the history items');
    expect(connection.messageItems).toEqual(
      history.map((message) => ({
        role: message.role,
        content: [{ type: message.role === 'user' ? 'input_text' : 'output_text', text: message.content }],
      })),
    );
    expect(connection.received.slice(0, 5)).toEqual([
      'session.update',
      ...Array<string>(4).fill('conversation.item.create'),
    ]);
    // History is context only: nothing asked the model to answer it, and it took every item.
    expect(connection.received).not.toContain('response.create');
    expect(connection.sent).not.toContain('error');
    socket.send({ type: 'say', text: 'and what did I ask first?' });
    await waitFor(() => connection.sent.includes('response.created'), 'the first response');
    expect(connection.received.indexOf('response.create')).toBeGreaterThan(4);
    socket.ws.close();
  });

  it("replays a continued session's history to Gemini Live as context turns (user, model) without asking for an answer", async () => {
    const chat = await chatWithHistory(alice, ['first question']);
    const history = await messagesOf(alice, chat.id);
    const socket = await startRealtime(alice, { sessionId: chat.id, model: GEMINI_MODEL });
    expect(socket.events()[0]).toMatchObject({ type: 'ready', sessionId: chat.id });
    const connection = gemini.connections.at(-1)!;
    await waitFor(() => connection.clientContents.length === 1, 'the history turns');
    expect(connection.clientContents[0]).toEqual({
      turns: history.map((message) => ({
        role: message.role === 'user' ? 'user' : 'model',
        parts: [{ text: message.content }],
      })),
      turnComplete: false,
    });
    expect(connection.sent).toEqual(['setupComplete']);
    socket.send({ type: 'stop' });
    expect(await socket.ended()).toMatchObject({ type: 'done' });
  });

  it('holds a spoken turn with Gemini Live: 16 kHz in, 24 kHz out resampled to the client, transcripts both ways, stored', async () => {
    const socket = await startRealtime(alice, { model: GEMINI_MODEL, systemPrompt: 'Be brief.' });
    const ready = socket.events()[0] as { sessionId: string };
    expect(ready).toMatchObject({ type: 'ready', mode: 'realtime', stt: GEMINI_MODEL });
    const connection = gemini.connections.at(-1)!;
    expect(connection.key).toBe(GEMINI_KEY);
    expect(connection.setup).toMatchObject({
      model: 'models/gemini-2.5-flash-native-audio-preview-09-2025',
      inputAudioTranscription: {},
      outputAudioTranscription: {},
    });
    speak(socket);
    await waitFor(
      () => socket.events().some((e) => e.type === 'turn.metrics'),
      () => `the turn to end; got ${JSON.stringify(socket.events()).slice(-1500)}`,
      30_000,
    );
    const types = socket.events().map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'speech.started',
        'speech.stopped',
        'transcript.final',
        'audio.started',
        'audio.done',
      ]),
    );
    expect(socket.events().find((e) => e.type === 'transcript.final')).toMatchObject({ text: TRANSCRIPT });
    const deltas = socket.events().flatMap((e) => (e.type === 'response.delta' ? [e.text] : []));
    expect(deltas.join('')).toBe(ANSWER);
    const sentMs = (question.reduce((n, f) => n + f.length, 0) / 2 / RATE) * 1000;
    expect(connection.receivedMs).toBeCloseTo(sentMs, -1);
    const answerMs = ANSWER.split(' ').length * WORD_MS;
    const audioMs = (Buffer.concat(socket.audio).length / 2 / RATE) * 1000;
    expect(audioMs).toBeGreaterThan(answerMs - 50);
    expect(audioMs).toBeLessThan(answerMs + 50);
    await waitFor(async () => (await messagesOf(alice, ready.sessionId)).length === 2, 'the turn stored');
    const [user, assistant] = await messagesOf(alice, ready.sessionId);
    expect(user).toMatchObject({ role: 'user', content: TRANSCRIPT });
    expect(assistant).toMatchObject({
      role: 'assistant',
      content: ANSWER,
      status: 'complete',
      model: GEMINI_MODEL,
    });
    expect(assistant!.costUsd).toBeGreaterThan(0);
    socket.send({ type: 'stop' });
    expect(await socket.ended()).toMatchObject({ type: 'done' });
  });

  it('stops a Gemini Live answer the user speaks over (interrupted), storing what was played', async () => {
    gemini.enqueue({ kind: 'answer', answer: LONG_ANSWER });
    const socket = await startRealtime(alice, { model: GEMINI_MODEL });
    const sessionId = (socket.events()[0] as { sessionId: string }).sessionId;
    speak(socket);
    await waitFor(() => audioFrames(socket) >= 40, 'the answer playing', 30_000);
    speak(socket);
    await waitFor(() => socket.events().some((e) => e.type === 'audio.cancelled'), 'the barge-in');
    const cancelled = socket.events().find((e) => e.type === 'audio.cancelled') as { playedText: string };
    expect(cancelled.playedText.length).toBeGreaterThan(0);
    expect(LONG_ANSWER.startsWith(cancelled.playedText)).toBe(true);
    await waitFor(
      () => socket.events().filter((e) => e.type === 'audio.started').length === 2,
      'the next answer',
      30_000,
    );
    await waitFor(async () => (await messagesOf(alice, sessionId)).length >= 2, 'the cut turn stored');
    const [, cut] = await messagesOf(alice, sessionId);
    expect(cut).toMatchObject({ role: 'assistant', content: cancelled.playedText, status: 'cancelled' });
    socket.ws.close();
  });

  it('passes on Gemini Live refusing the key, and keeps serving', async () => {
    gemini.enqueue({ kind: 'refuse', status: 403 });
    const refused = await startRealtime(alice, { model: GEMINI_MODEL });
    expect(await refused.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.ProviderAuthFailed,
      fatal: true,
    });
    expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);
  });
});
