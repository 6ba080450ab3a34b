import { PcmResampler, resamplePcm } from './pcm-resampler';

function sine(frequency: number, sampleRate: number, seconds: number): Buffer {
  const samples = Math.round(sampleRate * seconds);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    out.writeInt16LE(Math.round(16_000 * Math.sin((2 * Math.PI * frequency * i) / sampleRate)), i * 2);
  }
  return out;
}

/** Sign changes per second: twice the frequency of a pure tone. */
function zeroCrossingsPerSecond(pcm: Buffer, sampleRate: number): number {
  let crossings = 0;
  for (let i = 2; i < pcm.length; i += 2) {
    if (pcm.readInt16LE(i - 2) < 0 !== pcm.readInt16LE(i) < 0) crossings++;
  }
  return crossings / (pcm.length / 2 / sampleRate);
}

describe('PcmResampler', () => {
  it.each([8_000, 24_000, 48_000])(
    'turns %i Hz into 16 kHz keeping the tone and the duration',
    async (rate) => {
      const out = await resamplePcm(sine(440, rate, 1), rate, 16_000);
      expect(out.length / 2).toBeGreaterThan(16_000 * 0.97);
      expect(out.length / 2).toBeLessThanOrEqual(16_000);
      const steady = out.subarray(4_000, out.length - 4_000);
      expect(zeroCrossingsPerSecond(steady, 16_000)).toBeCloseTo(880, -1);
    },
  );

  it('converts a stream cut into frames as one piece', async () => {
    const input = sine(300, 48_000, 1);
    const whole = await resamplePcm(input, 48_000, 16_000);
    const resampler = await PcmResampler.open(48_000, 16_000);
    const parts: Buffer[] = [];
    for (let at = 0; at < input.length; at += 1_920)
      parts.push(resampler.process(input.subarray(at, at + 1_920)));
    resampler.close();
    const streamed = Buffer.concat(parts);
    expect(Math.abs(streamed.length - whole.length)).toBeLessThan(200);
    expect(zeroCrossingsPerSecond(streamed.subarray(4_000), 16_000)).toBeCloseTo(600, -1);
  });

  it('passes audio through untouched when the rates match', async () => {
    const input = sine(440, 16_000, 0.1);
    expect((await resamplePcm(input, 16_000, 16_000)).equals(input)).toBe(true);
  });
});
