/**
 * Decodes bytes as text when they are text: UTF-8 (or UTF-16 with its byte-order mark), strictly (one
 * invalid sequence means not text), with almost no control characters. Text formats have no magic
 * bytes, so this is how plain text, Markdown and HTML are told apart from binary files.
 */

/** Control characters other than tab, newlines, form feed and escape: rare in text, common in binary. */
const BINARY_CONTROLS = /[\u0000-\u0008\u000E-\u001A\u001C-\u001F\u007F]/g;
/** At most this share of the characters may be binary controls (a stray one in a log file is fine). */
const MAX_BINARY_CONTROL_RATIO = 0.001;

function encodingOf(bytes: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** The text with its byte-order mark removed, or null when the bytes are not text. */
export function decodeText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    // The decoder drops a leading byte-order mark (ignoreBOM: false).
    text = new TextDecoder(encodingOf(bytes), { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
  if (text.includes('\u0000')) return null;
  const controls = text.match(BINARY_CONTROLS)?.length ?? 0;
  if (controls > text.length * MAX_BINARY_CONTROL_RATIO) return null;
  return text;
}

/** `\r\n` and lone `\r` become `\n`. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
