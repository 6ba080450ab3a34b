import type * as FileType from 'file-type' with { 'resolution-mode': 'import' };

// file-type is ESM-only: Node 22 loads it with require() (require(esm)), which TypeScript's node16
// module mode does not model, so the types are imported as ESM and the module required.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fileTypeFromBuffer } = require('file-type') as typeof FileType;

/** Containers an upload may be in, as file-type names them, with the name clients know them by. */
const AUDIO_CONTAINERS: Readonly<Record<string, string>> = {
  wav: 'wav',
  mp3: 'mp3',
  ogg: 'ogg',
  oga: 'ogg',
  opus: 'ogg',
  webm: 'webm',
  m4a: 'm4a',
  mp4: 'm4a',
  flac: 'flac',
};

/** Containers ffmpeg must be able to seek in (their index may sit at the end): read from a file, not a pipe. */
export const SEEKING_CONTAINERS: ReadonlySet<string> = new Set(['m4a']);

export interface SniffedAudio {
  /** `wav`, `mp3`, `ogg`, `webm`, `m4a` or `flac`. */
  readonly container: string;
  readonly mime: string;
}

/**
 * What kind of audio `bytes` hold, told from the bytes themselves (file-type reads their signatures),
 * never from a file name or declared type; `undefined` when they are not audio this service takes.
 */
export async function sniffAudio(bytes: Uint8Array): Promise<SniffedAudio | undefined> {
  const type = await fileTypeFromBuffer(bytes);
  const container = type ? AUDIO_CONTAINERS[type.ext] : undefined;
  return type && container ? { container, mime: type.mime } : undefined;
}
