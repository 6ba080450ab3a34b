import { DomainError, ErrorCode } from '@conduit/contracts';

/**
 * Opaque page positions: a one-letter tag (so one list's cursor is no cursor of another) and the last
 * listed row's sequence number, base64url.
 */
export function encodeSeqCursor(tag: string, seq: string): string {
  return Buffer.from(`${tag}${seq}`).toString('base64url');
}

export function decodeSeqCursor(tag: string, cursor: string): string {
  const match = /^([a-z])(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match || match[1] !== tag) {
    throw new DomainError(ErrorCode.ValidationFailed, 'Invalid cursor', {
      fields: [{ path: 'cursor', message: 'is not a cursor this API gave' }],
    });
  }
  return match[2]!;
}
