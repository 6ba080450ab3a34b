import type { RawData } from 'ws';

/** A WebSocket message's text, whichever form `ws` gave it in. */
export function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The RMS level of pcm16 audio: the fake providers' voice activity detection is a threshold on it. */
export function rms(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2);
  if (samples === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += pcm.readInt16LE(i * 2) ** 2;
  return Math.sqrt(sum / samples);
}

/** `ms` of a 440 Hz tone at `rate`, continuing the phase from `fromMs`: a fake provider's spoken answer. */
export function tone(ms: number, fromMs: number, rate: number): Buffer {
  const samples = Math.round((rate * ms) / 1000);
  const offset = Math.round((rate * fromMs) / 1000);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    out.writeInt16LE(Math.round(8_000 * Math.sin((2 * Math.PI * 440 * (offset + i)) / rate)), i * 2);
  return out;
}
