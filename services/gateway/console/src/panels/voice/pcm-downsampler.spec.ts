import { describe, expect, it } from '@jest/globals';
import { PcmDownsampler } from './pcm-downsampler';

/** Feeds `seconds` of `signal` in render quanta of 128 samples, as an AudioWorklet gets them. */
function run(inputRate: number, seconds: number, signal: (t: number) => number): Int16Array[] {
  const frames: Int16Array[] = [];
  const downsampler = new PcmDownsampler(inputRate, 16_000, 320, (frame) => frames.push(frame));
  const total = Math.round(inputRate * seconds);
  for (let start = 0; start < total; start += 128) {
    const quantum = new Float32Array(Math.min(128, total - start));
    for (let i = 0; i < quantum.length; i++) quantum[i] = signal((start + i) / inputRate);
    downsampler.push(quantum);
  }
  return frames;
}

const joined = (frames: Int16Array[]) => Int16Array.from(frames.flatMap((frame) => Array.from(frame)));

describe('PcmDownsampler', () => {
  it.each([48_000, 44_100, 24_000, 16_000])('makes 20 ms frames at 16 kHz from %i Hz', (rate) => {
    const frames = run(rate, 1.01, () => 0);
    expect(frames).toHaveLength(50);
    expect(frames.every((frame) => frame.length === 320)).toBe(true);
  });

  it('keeps a 440 Hz tone: its frequency and level', () => {
    const samples = joined(run(44_100, 1, (t) => 0.5 * Math.sin(2 * Math.PI * 440 * t)));
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
    const expected = (2 * 440 * samples.length) / 16_000;
    expect(Math.abs(crossings - expected)).toBeLessThanOrEqual(2);
    const peak = Math.max(...samples);
    expect(peak / 0x7fff).toBeGreaterThan(0.48);
    expect(peak / 0x7fff).toBeLessThanOrEqual(0.5);
  });

  it('clips at full scale instead of wrapping around', () => {
    const samples = joined(run(48_000, 0.02, (t) => (t < 0.01 ? 3 : -3)));
    expect(samples[0]).toBe(0x7fff);
    expect(samples.at(-1)).toBe(-0x8000);
  });

  it('refuses to upsample', () => {
    expect(() => new PcmDownsampler(8_000, 16_000, 320, () => undefined)).toThrow(RangeError);
  });
});
