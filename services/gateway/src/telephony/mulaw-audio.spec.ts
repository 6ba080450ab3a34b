import { MULAW_FRAME_BYTES, MulawFramer, mulawToPcm16, pcm16ToMulaw } from './mulaw-audio';

/** A 440 Hz tone of `ms` at 8 kHz, 16-bit little-endian. */
function tone(ms: number): Buffer {
  const samples = (8_000 * ms) / 1_000;
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    pcm.writeInt16LE(Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / 8_000)), i * 2);
  return pcm;
}

describe('μ-law audio', () => {
  it('round-trips PCM within μ-law quantisation', () => {
    const pcm = tone(100);
    const back = mulawToPcm16(pcm16ToMulaw(pcm));
    expect(back.length).toBe(pcm.length);
    for (let i = 0; i < pcm.length; i += 2) {
      const original = pcm.readInt16LE(i);
      expect(Math.abs(back.readInt16LE(i) - original)).toBeLessThanOrEqual(Math.abs(original) / 16 + 8);
    }
  });

  it('encodes PCM at an odd offset (pooled buffers)', () => {
    const pcm = tone(20);
    const odd = Buffer.concat([Buffer.alloc(1), pcm]).subarray(1);
    expect(pcm16ToMulaw(odd)).toEqual(pcm16ToMulaw(pcm));
  });

  it('cuts reply audio of any chunking into 20 ms frames, the rest on flush', () => {
    const framer = new MulawFramer();
    const pcm = tone(70);
    const frames = [...framer.push(pcm.subarray(0, 333)), ...framer.push(pcm.subarray(333))];
    expect(frames.map((frame) => frame.length)).toEqual([
      MULAW_FRAME_BYTES,
      MULAW_FRAME_BYTES,
      MULAW_FRAME_BYTES,
    ]);
    expect(framer.flush()?.length).toBe(MULAW_FRAME_BYTES / 2);
    expect(Buffer.concat([...frames, pcm16ToMulaw(pcm.subarray(960))])).toEqual(pcm16ToMulaw(pcm));
    expect(framer.flush()).toBeNull();
  });
});
