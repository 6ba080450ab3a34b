import { framesOf, silence, spokenPcm } from '@conduit/testing';
import { EspeakEngine } from '../src/tts/espeak.engine';
import { SessionClient } from './support/session-client';
import { startVoicePlatform, type VoicePlatform } from './support/voice-platform';

const RATE = 16_000;
const FRAME_MS = 20;
const FRAME_BYTES = ((RATE * FRAME_MS) / 1000) * 2;
/** The speaker-to-microphone path: 60 ms late, 10 dB down. */
const ECHO_DELAY_FRAMES = 3;
const ECHO_GAIN = 10 ** (-10 / 20);
const alice = { userId: `alice-${process.pid}` };
const ANSWER =
  'Sure. It is sunny in Paris today, with a light wind from the west. Tomorrow will be cloudy, with some rain in the evening.';

/**
 * A client with a speaker and a microphone: it sends 20 ms frames at real-time pace, one message each
 * (catching up at once when its timer is late), and what its speaker plays (the reply audio, from its arrival on, at
 * real time) comes back into the microphone `ECHO_DELAY_FRAMES` later at `ECHO_GAIN`; from
 * `userFromFrame` after the reply starts playing, the user's own speech is added at full level.
 */
class SpeakerAndMicrophone {
  /** Frames sent so far (the session's audio time is `sent * FRAME_MS`). */
  sent = 0;
  /** The frame at which the speaker started playing the reply. */
  playingFrom: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = performance.now();

  /** Frames recorded but held back (the client's stall), sent at once when it ends. */
  private held: Buffer[] = [];

  constructor(
    private readonly client: SessionClient,
    private readonly user: { speech: Buffer; fromFrame: number } | null = null,
    /** From `fromPlayedFrame` frames into the reply, `frames` frames are held back and then sent in a burst. */
    private readonly stall: { fromPlayedFrame: number; frames: number } | null = null,
  ) {
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Frames of reply audio the speaker has played in full. */
  get playedFrames(): number {
    return this.playingFrom === null ? 0 : this.sent - this.playingFrom;
  }

  /** The first frame of the user's speech, in frames since the session's start. */
  get userStartFrame(): number | null {
    return this.user && this.playingFrom !== null ? this.playingFrom + this.user.fromFrame : null;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const due = Math.floor((performance.now() - this.startedAt) / FRAME_MS);
    if (due <= this.sent) return;
    const reply = this.client.audio();
    // The speaker starts when the reply reaches it: now, however far behind the microphone's sending is.
    if (this.playingFrom === null && reply.length > 0) this.playingFrom = due - 1;
    for (; this.sent < due; this.sent++) {
      const frame = this.frame(this.sent, reply);
      if (this.stalls()) this.held.push(frame);
      else {
        this.held.forEach((f) => this.client.sendAudio(f));
        this.held = [];
        this.client.sendAudio(frame);
      }
    }
  }

  private stalls(): boolean {
    if (!this.stall || this.playingFrom === null) return false;
    const played = this.sent - this.playingFrom;
    return played >= this.stall.fromPlayedFrame && played < this.stall.fromPlayedFrame + this.stall.frames;
  }

  private frame(index: number, reply: Buffer): Buffer {
    const out = Buffer.alloc(FRAME_BYTES);
    const echoAt =
      this.playingFrom === null ? -1 : (index - this.playingFrom - ECHO_DELAY_FRAMES) * FRAME_BYTES;
    const userStart = this.userStartFrame;
    const userAt = userStart === null ? -1 : (index - userStart) * FRAME_BYTES;
    for (let i = 0; i < FRAME_BYTES; i += 2) {
      let sample = 0;
      if (echoAt >= 0 && echoAt + i + 2 <= reply.length) sample += reply.readInt16LE(echoAt + i) * ECHO_GAIN;
      if (this.user && userAt >= 0 && userAt + i + 2 <= this.user.speech.length)
        sample += this.user.speech.readInt16LE(userAt + i);
      out.writeInt16LE(Math.max(-32_768, Math.min(32_767, Math.round(sample))), i);
    }
    return out;
  }
}

describe('echo suppression in live sessions', () => {
  let platform: VoicePlatform;

  beforeAll(async () => {
    // A long tail: the read-back test's transcripts come a moment after the cut reply's last audio.
    // The longest delay searched: the client here shares its event loop with the service, so on a busy
    // machine the reply reaches its speaker as late as that loop lags (a client with a deep buffer).
    platform = await startVoicePlatform(
      { VOICE_NO_SPEECH_TIMEOUT_MS: '60000', VOICE_ECHO_TAIL_MS: '5000', VOICE_ECHO_MAX_DELAY_MS: '1000' },
      [new EspeakEngine({ binary: 'espeak-ng', defaultVoice: 'en-us' })],
    );
  });
  afterAll(() => platform?.close());

  const open = () => SessionClient.open(platform.bus, alice, { tts: 'espeak-ng' });

  it('does not take the reply coming back from the speaker for the user: no barge-in, no new turn', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: ANSWER });
    const client = await open();
    const device = new SpeakerAndMicrophone(client);
    try {
      client.send({ type: 'say', text: 'what is the weather like in paris' });
      await client.until(
        () => client.eventsOf('audio.done').length + client.eventsOf('audio.cancelled').length > 0,
        'the reply to end',
      );
      // The speaker plays what it was sent to its end, then the echo's delay and tail go by.
      const replyFrames = Math.ceil(client.audio().length / FRAME_BYTES);
      await client.until(() => device.playedFrames >= replyFrames + 50, 'the reply played out');
      expect(replyFrames).toBeGreaterThan(150); // seconds of speech came back into the microphone
      expect(client.eventsOf('audio.cancelled')).toHaveLength(0);
      expect(client.eventsOf('speech.started')).toHaveLength(0);
      expect(client.eventsOf('transcript.final').map((e) => e.text)).toEqual([
        'what is the weather like in paris',
      ]);
    } finally {
      device.stop();
      client.close();
    }
  });

  it('knows the echo in audio a client sends late and bunched, as the reply starts', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: ANSWER });
    const client = await open();
    // The client falls a second behind just as its speaker starts, then sends what it recorded at once.
    const device = new SpeakerAndMicrophone(client, null, { fromPlayedFrame: 1, frames: 50 });
    try {
      client.send({ type: 'say', text: 'what is the weather like in paris' });
      await client.until(() => device.playedFrames >= 150, 'three seconds of the reply played');
      expect(client.eventsOf('audio.cancelled')).toHaveLength(0);
      expect(client.eventsOf('speech.started')).toHaveLength(0);
    } finally {
      device.stop();
      client.close();
    }
  });

  it('still hears the user speaking over the echo: the reply is cut at once', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: ANSWER });
    const client = await open();
    const speech = spokenPcm('stop, tell me about the weather in london instead', RATE);
    const device = new SpeakerAndMicrophone(client, { speech, fromFrame: 75 });
    try {
      client.send({ type: 'say', text: 'what is the weather like in paris' });
      await client.until(
        () => client.eventsOf('audio.cancelled').length === 1 && client.eventsOf('speech.started').length > 0,
        'the barge-in',
      );
      // The turn started with the user's speech, not with the echo before it.
      const startedAt = client.eventsOf('speech.started')[0]!.atMs;
      expect(startedAt).toBeGreaterThanOrEqual(device.userStartFrame! * FRAME_MS);
      expect(client.eventsOf('audio.done')).toHaveLength(0);
    } finally {
      device.stop();
      client.close();
    }
  });

  it('drops transcripts that read the reply back: no transcript, no answer to them', async () => {
    platform.openai.setBehavior({ kind: 'answer', tokens: ANSWER });
    const client = await SessionClient.open(platform.bus, alice); // the tone synthesiser
    const heard = platform.recogniser.transcript;
    // The recogniser "hears" the reply: its partial is the first word, its final a stretch of the reply.
    platform.recogniser.transcript = 'it is sunny in paris today';
    try {
      client.send({ type: 'say', text: 'what is the weather like in paris' });
      await client.until(() => client.received.some((r) => r.kind === 'audio'), 'reply audio');
      const speech = spokenPcm('what is the weather like in paris today', RATE);
      framesOf(Buffer.concat([speech, silence(1_000, RATE)]), RATE).forEach((f) => client.sendAudio(f));
      await client.until(() => client.eventsOf('transcript.final').length === 2, 'the second turn');
      expect(client.eventsOf('transcript.final')[1]!.text).toBe('');
      expect(client.eventsOf('transcript.partial')).toHaveLength(0);
      await client.until(() => client.eventsOf('turn.metrics').length === 2, 'both turns settled');
      expect(client.eventsOf('audio.started')).toHaveLength(1);
      // A transcript that is not the reply is taken as usual.
      platform.recogniser.transcript = 'and what about london';
      framesOf(Buffer.concat([speech, silence(1_000, RATE)]), RATE).forEach((f) => client.sendAudio(f));
      await client.until(() => client.eventsOf('transcript.final').length === 3, 'the third turn');
      expect(client.eventsOf('transcript.final')[2]!.text).toBe('and what about london');
    } finally {
      platform.recogniser.transcript = heard;
      client.close();
    }
  });
});
