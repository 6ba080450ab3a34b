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

export interface DecodedAudio {
  /** ffprobe's names: `ogg` / `mp3` for the container, `opus` / `mp3` for the codec. */
  readonly container: string;
  readonly codec: string;
  /** What ffmpeg decoded, at 16 kHz mono. */
  readonly seconds: number;
}

/**
 * Reads `bytes` as ffprobe and ffmpeg do: the container and codec they see, and how much audio a full
 * decode gives. A decode that reports any error (a torn page, a bad frame) throws.
 */
export function decodedAudio(bytes: Buffer): DecodedAudio {
  const probe = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name', '-of', 'json', 'pipe:0'],
      { input: bytes },
    ).toString(),
  ) as { format?: { format_name?: string }; streams?: Array<{ codec_name?: string }> };
  const pcm = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-xerror', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '16000', 'pipe:1'],
    { input: bytes, maxBuffer: 64 * 1024 * 1024 },
  );
  return {
    container: probe.format?.format_name ?? '',
    codec: probe.streams?.[0]?.codec_name ?? '',
    seconds: pcm.length / 2 / 16_000,
  };
}
