import { RealtimePlayback } from './realtime-playback';

const RATE = 16_000;
/** `ms` of audio at 16 kHz. */
const audio = (ms: number) => Buffer.alloc((RATE * ms * 2) / 1000);

describe('RealtimePlayback', () => {
  let now = 0;
  let frames: Buffer[];
  let events: string[];
  const playback = (leadMs = 100) =>
    new RealtimePlayback(
      { outputRate: RATE, leadMs, now: () => now },
      {
        started: () => events.push('started'),
        frame: (pcm) => frames.push(pcm),
        done: () => events.push('done'),
      },
    );

  beforeEach(() => {
    now = 0;
    frames = [];
    events = [];
  });

  it('sends the first frames at once, up to the lead, then waits for real time', () => {
    const p = playback(100);
    p.audio(audio(1_000));
    // The lead's worth (100 ms) at once: 5 frames of 20 ms.
    expect(frames).toHaveLength(5);
    expect(frames.every((f) => f.length === 640)).toBe(true);
    expect(events).toEqual(['started']);
    p.cancel();
  });

  it('is done once the last audio was sent, and says what text the audio played covers when cut', () => {
    const p = playback(0);
    p.transcript('Hello there. ');
    p.audio(audio(1_000));
    now = 1_000;
    p.transcript('The weather is fine today.');
    p.audio(audio(2_000));
    now = 2_000;
    // Sent (and played by now): the first second; the first piece was heard whole, the second not a word.
    expect(p.cancel()).toEqual({ playedMs: 1_000, playedText: 'Hello there. ' });
    expect(p.active).toBe(false);

    frames = [];
    events = [];
    const whole = playback(10_000);
    whole.audio(audio(50));
    whole.end();
    expect(events).toEqual(['started', 'done']);
    expect(Buffer.concat(frames).length).toBe(audio(50).length);
  });

  it('sends nothing after a cancel', () => {
    const p = playback(0);
    p.audio(audio(500));
    const sent = frames.length;
    p.cancel();
    p.audio(audio(500));
    p.end();
    expect(frames).toHaveLength(sent);
    expect(events).toEqual(['started']);
  });
});
