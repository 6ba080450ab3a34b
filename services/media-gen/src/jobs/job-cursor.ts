import { DomainError, ErrorCode } from '@conduit/contracts';

/** Opaque page positions: the last listed job's sequence number, base64url. */
export function encodeJobCursor(seq: string): string {
  return Buffer.from(`j${seq}`).toString('base64url');
}

export function decodeJobCursor(cursor: string): string {
  const match = /^j(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) {
    throw new DomainError(ErrorCode.ValidationFailed, 'Invalid cursor', {
      fields: [{ path: 'cursor', message: 'is not a cursor this API gave' }],
    });
  }
  return match[1]!;
}
