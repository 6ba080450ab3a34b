import { IntegerRatioResampler } from './integer-ratio-resampler';

function sine(frequency: number, rate: number, seconds: number, amplitude = 12_000): Buffer {
  const samples = Math.round(rate * seconds);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    out.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / rate)), i * 2);
  return out;
}

/** Root mean square of the samples past the filter's start-up. */
function rms(pcm: Buffer, skipSamples = 200): number {
  let sum = 0;
  let n = 0;
  for (let i = skipSamples * 2; i + 1 < pcm.length; i += 2) {
    const v = pcm.readInt16LE(i);
    sum += v * v;
    n++;
  }
  return Math.sqrt(sum / n);
}

const db = (ratio: number) => 20 * Math.log10(ratio);
const converter = (from: number, to: number) => IntegerRatioResampler.between(from, to)!;

describe('IntegerRatioResampler', () => {
  it('takes whole ratios only', () => {
    expect(IntegerRatioResampler.between(8_000, 16_000)).not.toBeNull();
    expect(IntegerRatioResampler.between(48_000, 16_000)).not.toBeNull();
    expect(IntegerRatioResampler.between(24_000, 8_000)).not.toBeNull();
    expect(IntegerRatioResampler.between(22_050, 16_000)).toBeNull();
    expect(IntegerRatioResampler.between(16_000, 24_000)).toBeNull();
    expect(IntegerRatioResampler.between(8_000, 96_000)).toBeNull();
  });

  it.each([
    [8_000, 16_000],
    [48_000, 16_000],
    [24_000, 8_000],
  ])('keeps speech-band tones at their level and the length in time, %i → %i Hz', (from, to) => {
    const input = sine(1_000, from, 1);
    const out = converter(from, to).process(input);
    expect(out.length / 2).toBe(to);
    expect(Math.abs(db(rms(out) / rms(input)))).toBeLessThan(0.5);
  });

  it('keeps what is above the lower rate out of the output (no aliasing, no images)', () => {
    // 12 kHz into 16 kHz would fold down to 4 kHz; 8 kHz upsampled would image at 12 kHz.
    const folded = converter(48_000, 16_000).process(sine(12_000, 48_000, 1));
    expect(db(rms(folded) / 12_000)).toBeLessThan(-60);
    const up = converter(8_000, 16_000).process(sine(1_000, 8_000, 1));
    const down = converter(16_000, 8_000).process(up);
    expect(Math.abs(db(rms(down) / rms(sine(1_000, 8_000, 1))))).toBeLessThan(0.5);
  });

  it('gives the same samples however the stream is cut', () => {
    for (const [from, to] of [
      [8_000, 16_000],
      [48_000, 16_000],
    ] as const) {
      const input = sine(700, from, 0.5);
      const whole = converter(from, to).process(input);
      const streamed = converter(from, to);
      const parts: Buffer[] = [];
      // Odd-sized chunks, some shorter than the ratio.
      for (let at = 0, size = 2; at < input.length; at += size, size = size === 2 ? 638 : 2)
        parts.push(streamed.process(input.subarray(at, at + size)));
      expect(Buffer.concat(parts).equals(whole)).toBe(true);
    }
  });
});
