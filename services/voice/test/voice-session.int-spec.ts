import { ChannelWriter } from '@conduit/bus';
import { ChatContract, DomainError, ErrorCode, VoiceContract, VoiceSessionChannel } from '@conduit/contracts';
import { decodedAudio, framesOf, silence, spokenPcm, waitFor } from '@conduit/testing';
import { SessionClient, type Received } from './support/session-client';
import { startVoicePlatform, type VoicePlatform } from './support/voice-platform';

const RATE = 16_000;
const alice = { userId: `alice-${process.pid}` };
const bob = { userId: `bob-${process.pid}` };

/** A long answer, so a barge-in lands while it is being spoken whatever the machine's speed. */
const LONG_ANSWER = Array.from(
  { length: 12 },
  (_, i) => `This is sentence number ${i + 1} of a rather long spoken answer.`,
).join(' ');

describe('voice sessions on the bus', () => {
  let platform: VoicePlatform;
  let question: Buffer[];

  beforeAll(async () => {
    platform = await startVoicePlatform({ VOICE_NO_SPEECH_TIMEOUT_MS: '60000' });
    // Real speech, then the silence that ends the turn; sent faster than real time (turns go by audio time).
    question = framesOf(
      Buffer.concat([spokenPcm('what is the weather like in paris today', RATE), silence(1_000, RATE)]),
      RATE,
    );
  });
  afterAll(() => platform?.close());

  const speak = (client: SessionClient, frames = question) => frames.forEach((f) => client.sendAudio(f));
  const storedAnswer = async (sessionId: string, caller = alice) => {
    const page = await platform.bus.request(ChatContract.listMessages, { sessionId }, caller);
    return page.items.find((m) => m.role === 'assistant');
  };

  it('turns a spoken question into a transcript, a reply spoken as it streams, and complete metrics', async () => {
    platform.openai.setBehavior({
      kind: 'answer',
      tokens: 'Sure. It is sunny in Paris today, with a light wind.',
      tokenIntervalMs: 20,
    });
    const client = await SessionClient.open(platform.bus, alice);
    speak(client);
    await client.until(() => client.eventsOf('turn.metrics').length === 1, 'the turn metrics');
    const types = client.events().map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['speech.started', 'transcript.partial', 'speech.stopped']);
    expect(client.eventsOf('transcript.final')[0]?.text).toBe('what is the weather like in paris today');
    expect(
      client
        .eventsOf('response.delta')
        .map((d) => d.text)
        .join(''),
    ).toBe('Sure. It is sunny in Paris today, with a light wind.');
    // The first sentence was spoken before the answer was complete: its own synthesis call.
    expect(platform.synthesiser.spoken.slice(-2)).toEqual([
      'Sure.',
      'It is sunny in Paris today, with a light wind.',
    ]);
    const audio = between(client.received, 'audio.started', 'audio.done');
    expect(audio.frames).toBeGreaterThan(10);
    expect(audio.outside).toBe(0);
    const metrics = client.eventsOf('turn.metrics')[0]!.metrics;
    expect(metrics).toMatchObject({ interrupted: false });
    for (const field of [
      'vadEndOfSpeechMs',
      'firstPartialMs',
      'finalTranscriptMs',
      'llmFirstTokenMs',
      'ttsFirstByteMs',
      'endOfSpeechToFirstAudioMs',
    ] as const)
      expect(metrics[field]).toEqual(expect.any(Number));
    expect(client.fault).toBeNull();
    // The conversation is the user's chat session.
    const page = await platform.bus.request(
      ChatContract.listMessages,
      { sessionId: client.ready!.sessionId },
      alice,
    );
    expect(page.items.map((m) => [m.role, m.content])).toEqual([
      ['user', 'what is the weather like in paris today'],
      ['assistant', 'Sure. It is sunny in Paris today, with a light wind.'],
    ]);
    client.send({ type: 'stop' });
    await client.until(() => client.eventsOf('done').length === 1, 'done');
    client.close();
  });

  it('stops the reply on interrupt: no frame after audio.cancelled, and the stored answer is what was played', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: LONG_ANSWER });
    const client = await SessionClient.open(platform.bus, alice);
    client.send({ type: 'say', text: 'tell me a long story' });
    await client.until(() => client.received.filter((r) => r.kind === 'audio').length >= 30, 'reply audio');
    client.send({ type: 'interrupt' });
    await client.until(() => client.eventsOf('turn.metrics').length === 1, 'the cut turn');
    const cancelled = client.eventsOf('audio.cancelled')[0]!;
    expect(client.eventsOf('audio.done')).toHaveLength(0);
    const at = client.received.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.cancelled');
    expect(client.received.slice(at).filter((r) => r.kind === 'audio')).toHaveLength(0);
    expect(cancelled.playedText.length).toBeGreaterThan(0);
    expect(LONG_ANSWER.startsWith(cancelled.playedText)).toBe(true);
    expect(cancelled.playedText.length).toBeLessThan(LONG_ANSWER.length);
    expect(client.eventsOf('turn.metrics')[0]!.metrics.interrupted).toBe(true);
    await waitFor(
      async () => (await storedAnswer(client.ready!.sessionId))?.status === 'cancelled',
      'the answer cut to what was played',
    );
    const answer = (await storedAnswer(client.ready!.sessionId))!;
    expect(answer.content).toBe(cancelled.playedText);
    // Only the session's owner may cut an answer, and only an answer.
    const cut = (messageId: string, caller = alice) =>
      platform.bus.request(
        ChatContract.truncateAnswer,
        { sessionId: client.ready!.sessionId, messageId, keepText: '' },
        caller,
      );
    await expect(cut(answer.id, bob)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(cut(answer.parentId!)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await storedAnswer(client.ready!.sessionId))?.content).toBe(cancelled.playedText);
    client.close();
  });

  it('stops the reply when the user speaks over it (barge-in), and takes the new turn', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: LONG_ANSWER });
    const client = await SessionClient.open(platform.bus, alice);
    client.send({ type: 'say', text: 'tell me a long story' });
    await client.until(() => client.received.filter((r) => r.kind === 'audio').length >= 30, 'reply audio');
    platform.openai.setBehavior({ kind: 'answer', tokens: 'Fine.' });
    speak(client);
    // Both are sent in the same frame; they may reach us in separate reads.
    await client.until(
      () => client.eventsOf('audio.cancelled').length === 1 && client.eventsOf('speech.started').length === 1,
      'the barge-in',
    );
    const at = client.received.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.cancelled');
    const started = client.received.findIndex((r) => r.kind === 'event' && r.event.type === 'speech.started');
    // Cut in the frame the speech was confirmed in: no audio of the old reply between the two.
    expect(started).toBeGreaterThan(at);
    expect(client.received.slice(at, started).filter((r) => r.kind === 'audio')).toHaveLength(0);
    const oldTurn = client.eventsOf('audio.cancelled')[0]!.turnId;
    await client.until(() => client.eventsOf('audio.done').length === 1, 'the new reply');
    const afterCut = client.received.slice(at);
    const newStart = afterCut.findIndex((r) => r.kind === 'event' && r.event.type === 'audio.started');
    expect(afterCut.slice(0, newStart).filter((r) => r.kind === 'audio')).toHaveLength(0);
    expect(client.eventsOf('audio.started').map((e) => e.turnId)).toEqual([
      oldTurn,
      client.eventsOf('audio.done')[0]!.turnId,
    ]);
    client.close();
  });

  it('ends a session with a clear error on an oversized or torn frame, and keeps serving', async () => {
    const big = await SessionClient.open(platform.bus, alice);
    big.sendAudio(Buffer.alloc(40_000));
    await big.until(() => big.eventsOf('error').length === 1, 'the error');
    expect(big.eventsOf('error')[0]).toMatchObject({ code: ErrorCode.PayloadTooLarge, fatal: true });
    big.close();
    const torn = await SessionClient.open(platform.bus, alice);
    torn.sendAudio(Buffer.alloc(641));
    await torn.until(() => torn.eventsOf('error').length === 1, 'the error');
    expect(torn.eventsOf('error')[0]).toMatchObject({ code: ErrorCode.ValidationFailed, fatal: true });
    torn.close();
    await expect(platform.bus.request(VoiceContract.checkHealth, {}, alice)).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it.each([
    ['opus', 'ogg', 'opus'],
    ['mp3', 'mp3', 'mp3'],
  ] as const)(
    'speaks the reply as %s, streamed from audio.started to audio.done as one file that decodes',
    async (format, container, codec) => {
      platform.openai.setBehavior({
        kind: 'answer',
        tokens: 'Sure. It is sunny in Paris today, with a light wind.',
        tokenIntervalMs: 20,
      });
      const client = await SessionClient.open(platform.bus, alice, { outputFormat: format });
      expect(client.ready).toMatchObject({ outputFormat: format, outputSampleRate: RATE });
      client.send({ type: 'say', text: 'what is the weather like in paris' });
      await client.until(() => client.eventsOf('turn.metrics').length === 1, 'the turn metrics');
      expect(client.eventsOf('audio.started')).toEqual([
        { type: 'audio.started', turnId: expect.any(String), format, sampleRate: RATE },
      ]);
      expect(client.eventsOf('audio.done')).toHaveLength(1);
      const audio = between(client.received, 'audio.started', 'audio.done');
      expect(audio.outside).toBe(0);
      expect(audio.frames).toBeGreaterThan(0);
      const decoded = decodedAudio(client.audio());
      expect(decoded).toMatchObject({ container, codec });
      // The tone engine speaks 40 ms per character: "Sure." and the sentence after it.
      const spoken = ('Sure.'.length + 'It is sunny in Paris today, with a light wind.'.length) * 0.04;
      expect(decoded.seconds).toBeGreaterThan(spoken * 0.9);
      expect(decoded.seconds).toBeLessThan(spoken + 0.5);
      expect(client.eventsOf('turn.metrics')[0]!.metrics.endOfSpeechToFirstAudioMs).toEqual(
        expect.any(Number),
      );
      client.send({ type: 'stop' });
      await client.until(() => client.eventsOf('done').length === 1, 'the session to end');
      client.close();
    },
  );

  it('refuses formats, engines and chat sessions it cannot serve with typed errors', async () => {
    await expect(
      SessionClient.open(platform.bus, alice, { outputFormat: 'flac' as never }),
    ).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(SessionClient.open(platform.bus, alice, { stt: 'nonexistent' })).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(
      SessionClient.open(platform.bus, alice, { sampleRate: 44_100 as never }),
    ).rejects.toBeInstanceOf(DomainError);
  });

  it('keeps users apart: another user can neither continue the chat nor write into the session', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: LONG_ANSWER });
    const client = await SessionClient.open(platform.bus, alice);
    await expect(
      SessionClient.open(platform.bus, bob, { sessionId: client.ready!.sessionId }),
    ).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    client.send({ type: 'say', text: 'tell me a long story' });
    await client.until(() => client.received.filter((r) => r.kind === 'audio').length >= 5, 'reply audio');
    // Bob's messages on Alice's input subject are dropped: the reply goes on to its end.
    const intruder = new ChannelWriter(platform.bus, VoiceSessionChannel, client.id, 'in', bob);
    intruder.send('control', Buffer.from(JSON.stringify({ type: 'interrupt' })));
    platform.openai.setBehavior({ kind: 'answer', tokens: 'Short.' });
    await client.until(
      () =>
        client.eventsOf('audio.cancelled').length + client.eventsOf('audio.done').length > 0 ||
        client.fault !== null,
      'the reply to end',
    );
    client.close();
  });
});

/** Audio frames between a reply's start and its end, and any outside them. */
function between(received: Received[], from: string, to: string): { frames: number; outside: number } {
  let inside = false;
  let frames = 0;
  let outside = 0;
  for (const r of received) {
    if (r.kind === 'event' && r.event.type === from) inside = true;
    else if (r.kind === 'event' && r.event.type === to) inside = false;
    else if (r.kind === 'audio' && inside) frames++;
    else if (r.kind === 'audio') outside++;
  }
  return { frames, outside };
}
