import { execFileSync } from 'node:child_process';

/** `text` spoken by espeak-ng (US English voice), as 16-bit mono PCM at `sampleRate` (sox converts it). */
export function spokenPcm(text: string, sampleRate: number): Buffer {
  const wav = execFileSync('espeak-ng', ['-v', 'en-us', '--stdout', text]);
  return execFileSync(
    'sox',
    ['-t', 'wav', '-', '-t', 'raw', '-r', String(sampleRate), '-e', 'signed', '-b', '16', '-c', '1', '-'],
    { input: wav },
  );
}

/** `ms` of silence at `sampleRate`. */
export const silence = (ms: number, sampleRate: number): Buffer =>
  Buffer.alloc(Math.round((sampleRate * ms) / 1000) * 2);

/** Cuts PCM into frames of `frameMs` (the last one may be shorter). */
export function framesOf(pcm: Buffer, sampleRate: number, frameMs = 20): Buffer[] {
  const bytes = Math.round((sampleRate * frameMs) / 1000) * 2;
  const frames: Buffer[] = [];
  for (let at = 0; at < pcm.length; at += bytes)
    frames.push(pcm.subarray(at, Math.min(at + bytes, pcm.length)));
  return frames;
}
