import { FramePacer } from './frame-pacer';

const RATE = 16_000;
/** `ms` of audio at 16 kHz. */
const audio = (ms: number) => Buffer.alloc((RATE * ms * 2) / 1000);

describe('FramePacer', () => {
  let now: number;
  let sent: { bytes: number; playAt: number }[];
  let drained: number;
  const pacer = (leadMs: number, onFrame?: (p: FramePacer) => void) => {
    const p: FramePacer = new FramePacer(
      { outputRate: RATE, leadMs, now: () => now },
      {
        frame: (pcm, playAt) => {
          sent.push({ bytes: pcm.length, playAt });
          onFrame?.(p);
        },
        drained: () => drained++,
      },
    );
    return p;
  };

  beforeEach(() => {
    now = 1_000;
    sent = [];
    drained = 0;
  });

  it('sends the first frame at once and the lead after it, each dated when it plays', () => {
    const p = pacer(60);
    p.push(audio(500));
    expect(sent.map((f) => f.playAt)).toEqual([1_000, 1_020, 1_040]);
    now = 1_060;
    p.push(audio(20)); // real time moved on: three more frames are due
    expect(sent.map((f) => f.playAt).slice(3)).toEqual([1_060, 1_080, 1_100]);
    expect(p.playedMs()).toBe(60);
    p.stop();
  });

  it('sends the first frame even with no lead', () => {
    const p = pacer(0);
    p.push(audio(100));
    expect(sent).toHaveLength(1);
    p.stop();
  });

  it('sends a short last frame once finished, then says it is drained, once', () => {
    const p = pacer(1_000);
    p.push(audio(50));
    expect(sent.map((f) => f.bytes)).toEqual([640, 640]);
    p.finish();
    p.finish();
    expect(sent.map((f) => f.bytes)).toEqual([640, 640, 320]);
    expect(drained).toBe(1);
  });

  it('sends nothing more once stopped, even from within a frame', () => {
    const p = pacer(1_000, (self) => self.stop());
    p.push(audio(200));
    expect(sent).toHaveLength(1);
    p.finish();
    expect(sent).toHaveLength(1);
    expect(drained).toBe(0);
  });
});
