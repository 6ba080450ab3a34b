import { execFileSync } from 'node:child_process';
import { VAD_FRAME_MS, VAD_SAMPLE_RATE, WebRtcVad } from './voice-activity-detector';

const FRAME_BYTES = (VAD_SAMPLE_RATE * VAD_FRAME_MS * 2) / 1000;

function framesOf(pcm: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at + FRAME_BYTES <= pcm.length; at += FRAME_BYTES)
    frames.push(pcm.subarray(at, at + FRAME_BYTES));
  return frames;
}

/** A steady sine: loud, but no speech. */
function tone(ms: number, hz: number, amplitude: number): Buffer {
  const samples = (VAD_SAMPLE_RATE * ms) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / VAD_SAMPLE_RATE)), i * 2);
  return pcm;
}

function espeak(text: string, voice?: string): Buffer | null {
  try {
    const wav = execFileSync('espeak-ng', [...(voice ? ['-v', voice] : []), '--stdout', text]);
    // espeak-ng speaks at 22,050 Hz; sox brings it to the VAD's rate.
    return execFileSync(
      'sox',
      ['-t', 'wav', '-', '-t', 'raw', '-r', '16000', '-e', 'signed', '-b', '16', '-c', '1', '-'],
      {
        input: wav,
      },
    );
  } catch {
    return null;
  }
}

describe('WebRtcVad', () => {
  it('hears no speech in silence', async () => {
    const vad = await WebRtcVad.create(2);
    const voiced = framesOf(Buffer.alloc(FRAME_BYTES * 50)).filter((f) => vad.isVoiced(f));
    vad.close();
    expect(voiced).toHaveLength(0);
  });

  it('hears speech in speech', async () => {
    const speech = espeak('what is the weather like in paris today');
    if (!speech) return console.warn('espeak-ng or sox missing: speech case skipped');
    const vad = await WebRtcVad.create(2);
    const frames = framesOf(speech);
    const voiced = frames.filter((f) => vad.isVoiced(f)).length;
    vad.close();
    expect(voiced / frames.length).toBeGreaterThan(0.5);
  });

  it('ends speech on the first frame of silence after it, without the hangover', async () => {
    const speech = espeak('What is the weather like in Paris today?', 'en-us');
    if (!speech) return console.warn('espeak-ng or sox missing: speech case skipped');
    // espeak-ng ends with its own quiet tail: cut it, so the silence follows the speech at once.
    let last = speech.length / 2 - 1;
    while (last > 0 && Math.abs(speech.readInt16LE(last * 2)) < 300) last--;
    const spoken = speech.subarray(0, Math.ceil(((last + 1) * 2) / FRAME_BYTES) * FRAME_BYTES);
    const run = async (minLevelDbfs: number) => {
      const vad = await WebRtcVad.create(3, minLevelDbfs);
      for (const frame of framesOf(spoken)) vad.isVoiced(frame);
      const after = framesOf(Buffer.alloc(FRAME_BYTES * 20)).map((f) => vad.isVoiced(f));
      vad.close();
      return after.filter(Boolean).length;
    };
    // Whatever the GMM's hangover says, silence under the level floor is not speech.
    expect(await run(-55)).toBe(0);
  });

  it('hears no speech below the level floor', async () => {
    const speech = espeak('what is the weather like in paris today');
    if (!speech) return console.warn('espeak-ng or sox missing: speech case skipped');
    const vad = await WebRtcVad.create(3, -20);
    const quiet = Buffer.alloc(speech.length);
    for (let i = 0; i + 1 < speech.length; i += 2)
      quiet.writeInt16LE(Math.round(speech.readInt16LE(i) / 100), i);
    const voiced = framesOf(quiet).filter((f) => vad.isVoiced(f));
    vad.close();
    expect(voiced).toHaveLength(0);
  });

  it('takes frames at odd offsets of a larger buffer', async () => {
    const vad = await WebRtcVad.create(2);
    const padded = Buffer.concat([Buffer.alloc(1), tone(VAD_FRAME_MS, 440, 8000)]);
    expect(typeof vad.isVoiced(padded.subarray(1))).toBe('boolean');
    vad.close();
  });

  it('refuses frames of the wrong length', async () => {
    const vad = await WebRtcVad.create(2);
    expect(() => vad.isVoiced(Buffer.alloc(10))).toThrow(/samples/);
    vad.close();
  });
});
