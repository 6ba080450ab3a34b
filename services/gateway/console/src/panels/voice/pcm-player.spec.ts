import { describe, expect, it } from '@jest/globals';
import { PcmPlayer } from './pcm-player';

interface Scheduled {
  startedAt: number;
  stopped: boolean;
  samples: Float32Array;
}

interface FakeBuffer {
  duration: number;
  samples: Float32Array;
  getChannelData(): Float32Array;
}

/** The parts of an AudioContext the player uses, recording what it scheduled. */
function fakeContext() {
  const sources: Scheduled[] = [];
  const clock = {
    currentTime: 10,
    destination: {},
    createBuffer(_channels: number, length: number, rate: number): FakeBuffer {
      const samples = new Float32Array(length);
      return { duration: length / rate, samples, getChannelData: () => samples };
    },
    createBufferSource() {
      let scheduled: Scheduled | undefined;
      return {
        buffer: null as FakeBuffer | null,
        onended: null as (() => void) | null,
        connect: () => undefined,
        start(at: number) {
          scheduled = { startedAt: at, stopped: false, samples: this.buffer!.samples };
          sources.push(scheduled);
        },
        stop: () => (scheduled!.stopped = true),
      };
    },
  };
  return { context: clock as unknown as AudioContext, clock, sources };
}

/** `ms` of 16 kHz PCM16 at one level. */
const chunk = (ms: number, level = 1000) => new Int16Array(16 * ms).fill(level).buffer;

describe('PcmPlayer', () => {
  it('plays chunks back to back, the first a jitter buffer ahead of the clock', () => {
    const { context, sources } = fakeContext();
    const player = new PcmPlayer(context, 16_000);
    player.enqueue(chunk(20));
    player.enqueue(chunk(20));
    player.enqueue(chunk(20));
    const starts = sources.map((source) => source.startedAt);
    expect(starts[0]).toBeCloseTo(10.12, 6);
    expect(starts[1]).toBeCloseTo(10.14, 6);
    expect(starts[2]).toBeCloseTo(10.16, 6);
    expect(sources[0]!.samples[0]).toBeCloseTo(1000 / 0x8000, 6);
    expect(player.receivedBytes).toBe(3 * 640);
    expect(player.isPlaying).toBe(true);
  });

  it('starts again a jitter buffer ahead once playback fell behind the clock', () => {
    const { context, clock, sources } = fakeContext();
    const player = new PcmPlayer(context, 16_000);
    player.enqueue(chunk(20));
    clock.currentTime = 11;
    player.enqueue(chunk(20));
    expect(sources[1]!.startedAt).toBeCloseTo(11.12, 6);
  });

  it('stops what plays and what is scheduled, and the next answer starts afresh', () => {
    const { context, clock, sources } = fakeContext();
    const player = new PcmPlayer(context, 16_000);
    player.enqueue(chunk(200));
    player.enqueue(chunk(200));
    player.stop();
    expect(sources.every((source) => source.stopped)).toBe(true);
    expect(player.isPlaying).toBe(false);
    clock.currentTime = 10.05;
    player.enqueue(chunk(20));
    expect(sources[2]!.startedAt).toBeCloseTo(10.17, 6);
  });
});
