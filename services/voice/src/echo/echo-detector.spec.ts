import { execFileSync } from 'node:child_process';
import { EchoDetector } from './echo-detector';

const RATE = 16_000;
const FRAME_SAMPLES = 320;
const DELAY_MS = 60;
/** -10 dB in amplitude. */
const ECHO_GAIN = 10 ** (-10 / 20);

/** `text` spoken by espeak-ng at 16 kHz (its native 22.05 kHz converted by sox). */
function spokenPcm(text: string): Buffer {
  const wav = execFileSync('espeak-ng', ['-v', 'en-us', '--stdout', text]);
  const args = [
    '-t',
    'wav',
    '-',
    '-t',
    'raw',
    '-r',
    String(RATE),
    '-e',
    'signed',
    '-b',
    '16',
    '-c',
    '1',
    '-',
  ];
  return execFileSync('sox', args, { input: wav });
}

/** Deterministic white-ish noise, for a synthetic reply. */
function noise(samples: number, amplitude: number, seed = 1): Buffer {
  const pcm = Buffer.alloc(samples * 2);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < samples; i++) {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    pcm.writeInt16LE(Math.round((state / 2 ** 32) * 2 * amplitude - amplitude), i * 2);
  }
  return pcm;
}

/** `a * gainA` delayed by `delaySamples`, plus `b`, clipped to 16 bits. */
function mix(a: Buffer, gainA: number, delaySamples: number, b?: Buffer): Buffer {
  const samples = a.length / 2;
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const echo = i >= delaySamples ? a.readInt16LE((i - delaySamples) * 2) * gainA : 0;
    const user = b && i * 2 < b.length ? b.readInt16LE(i * 2) : 0;
    out.writeInt16LE(Math.max(-32_768, Math.min(32_767, Math.round(echo + user))), i * 2);
  }
  return out;
}

/**
 * Plays `reply` from wall time 0 in 20 ms chunks into a detector and returns its decision for each
 * input frame (frame i ends at (i + 1) * 20 ms) of `input`, skipping frames with too little signal.
 */
function decisions(reply: Buffer, input: Buffer, user?: { speech: Buffer; echo: Buffer }): boolean[] {
  const detector = new EchoDetector({ maxDelayMs: 400, tailMs: 500, minCorrelation: 0.7 });
  const out: boolean[] = [];
  for (let f = 0; (f + 1) * FRAME_SAMPLES * 2 <= input.length; f++) {
    const chunk = reply.subarray(f * FRAME_SAMPLES * 2, (f + 1) * FRAME_SAMPLES * 2);
    detector.addReference(chunk, f * 20);
    const frame = input.subarray(f * FRAME_SAMPLES * 2, (f + 1) * FRAME_SAMPLES * 2);
    detector.hear(frame);
    if (rms(frame) < 300) continue; // silence between words: nothing to decide
    // With a user: only the frames where the user is at least as loud as the echo (near the microphone).
    const part = (pcm: Buffer) => rms(pcm.subarray(f * FRAME_SAMPLES * 2, (f + 1) * FRAME_SAMPLES * 2));
    if (user && part(user.speech) < Math.max(300, part(user.echo))) continue;
    out.push(detector.isEcho((f + 1) * 20));
  }
  return out;
}

function rms(frame: Buffer): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i += 2) sum += frame.readInt16LE(i) ** 2;
  return frame.length === 0 ? 0 : Math.sqrt(sum / (frame.length / 2));
}

const share = (values: boolean[]) => values.filter(Boolean).length / Math.max(1, values.length);

describe('EchoDetector', () => {
  const delay = (DELAY_MS * RATE) / 1000;

  it('finds synthetic reply audio mixed back at -10 dB with a delay', () => {
    const reply = noise(RATE * 2, 8_000);
    const result = decisions(reply, mix(reply, ECHO_GAIN, delay));
    expect(result.length).toBeGreaterThan(50);
    expect(share(result)).toBeGreaterThan(0.95);
  });

  it('does not take other sound over the echo for echo', () => {
    const reply = noise(RATE * 2, 8_000, 1);
    const user = noise(RATE * 2, 8_000, 7);
    expect(
      share(
        decisions(reply, mix(reply, ECHO_GAIN, delay, user), {
          speech: user,
          echo: mix(reply, ECHO_GAIN, delay),
        }),
      ),
    ).toBeLessThan(0.05);
    expect(share(decisions(reply, user))).toBeLessThan(0.05);
  });

  it('finds spoken reply audio (espeak-ng) mixed back at -10 dB, but not a user speaking over it', () => {
    const reply = spokenPcm('Sure. It is sunny in Paris today, with a light wind from the west.');
    const echoOnly = decisions(reply, mix(reply, ECHO_GAIN, delay));
    expect(share(echoOnly)).toBeGreaterThan(0.9);
    const user = spokenPcm('stop, tell me about the weather in london instead please');
    const withUser = decisions(reply, mix(reply, ECHO_GAIN, delay, user), {
      speech: user,
      echo: mix(reply, ECHO_GAIN, delay),
    });
    expect(withUser.length).toBeGreaterThan(20);
    expect(share(withUser)).toBeLessThan(0.1);
  });

  it('hears no echo once the reply and its tail are over, nor before any reply', () => {
    const detector = new EchoDetector({ maxDelayMs: 400, tailMs: 500, minCorrelation: 0.7 });
    const reply = noise(FRAME_SAMPLES, 8_000);
    for (let i = 0; i < 4; i++) detector.hear(reply);
    expect(detector.isEcho(80)).toBe(false);
    detector.addReference(reply, 0);
    expect(detector.listensAt(500)).toBe(true);
    expect(detector.listensAt(2_000)).toBe(false);
    expect(detector.isEcho(2_000)).toBe(false);
  });
});
