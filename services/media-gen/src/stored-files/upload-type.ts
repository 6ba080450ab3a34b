import type * as FileType from 'file-type' with { 'resolution-mode': 'import' };
import { DomainError, ErrorCode } from '@conduit/contracts';

// file-type is ESM-only: Node 22 loads it with require() (require(esm)), which TypeScript's node16
// module mode does not model, so the types are imported as ESM and the module required.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fileTypeFromBuffer, supportedMimeTypes } = require('file-type') as typeof FileType;

/** How much of the start of a file the type is told from (file-type's own recommendation). */
export const SNIFF_BYTES = 4100;

/** Other names clients send for the types file-type reports. */
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/mp4': 'audio/x-m4a',
  'audio/m4a': 'audio/x-m4a',
  'application/x-zip-compressed': 'application/zip',
  'application/x-pdf': 'application/pdf',
};

/** Types that say nothing about the content: a client that does not know sends these. */
const UNDECLARED = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

/**
 * The type a file is stored and served as, told from its first bytes only: what file-type recognises,
 * else `text/plain` for UTF-8 text, else `application/octet-stream`. The name and the declared type are
 * never trusted; a declared type that contradicts the content (a PNG sent as `image/jpeg`, text sent
 * as `image/png`) is refused with UNSUPPORTED_FILE_TYPE, so a lie is found out at the upload.
 */
export async function uploadTypeOf(head: Uint8Array, declaredType: string | undefined): Promise<string> {
  const detected = (await fileTypeFromBuffer(head))?.mime;
  const declared = canonical(declaredType ?? '');
  if (!UNDECLARED.has(declared) && contradicts(declared, detected)) {
    throw new DomainError(
      ErrorCode.UnsupportedFileType,
      `The file's content is ${detected ?? 'not of any type with a signature'}, not the declared ${declared}`,
      { declaredType: declared, detectedType: detected ?? null },
    );
  }
  return detected ?? (isText(head) ? 'text/plain' : 'application/octet-stream');
}

function canonical(type: string): string {
  const bare = type.split(';')[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
}

function contradicts(declared: string, detected: string | undefined): boolean {
  if (detected !== undefined) return canonical(detected) !== declared;
  // Nothing recognised: claiming a format that has a signature file-type knows is a lie.
  return supportedMimeTypes.has(declared as never);
}

/** UTF-8 without control characters other than whitespace (a sequence cut at the end of `head` is fine). */
function isText(head: Uint8Array): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
  } catch {
    return false;
  }
}
