import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The ffmpeg the offline video model runs, and the MP4 video encoder it picked (H.264 when it has one). */
export interface FfmpegEngine {
  path: string;
  version: string;
  encoder: 'libx264' | 'mpeg4';
}

export type FfmpegProbe = { ok: true; engine: FfmpegEngine } | { ok: false; reason: string };

/** Asks `path` for its version and encoders; says what is missing rather than throwing. */
export async function probeFfmpeg(path: string): Promise<FfmpegProbe> {
  let version: string;
  let encoders: string;
  try {
    version = (await run(path, ['-hide_banner', '-version'], { timeout: 10_000 })).stdout;
    encoders = (await run(path, ['-hide_banner', '-encoders'], { timeout: 10_000 })).stdout;
  } catch (error) {
    return {
      ok: false,
      reason: `ffmpeg could not be run from "${path}" (${(error as Error).message.split('\n')[0]})`,
    };
  }
  const has = (name: string) => new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(encoders);
  const encoder = has('libx264') ? 'libx264' : has('mpeg4') ? 'mpeg4' : null;
  if (!encoder)
    return { ok: false, reason: `ffmpeg at "${path}" has neither the libx264 nor the mpeg4 encoder` };
  const versionLine = /^ffmpeg version (\S+)/m.exec(version)?.[1] ?? 'unknown';
  return { ok: true, engine: { path, version: versionLine, encoder } };
}
