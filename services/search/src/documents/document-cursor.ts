import { DomainError, ErrorCode } from '@conduit/contracts';

/** Opaque page positions: the last listed document's sequence number, base64url. */
export function encodeCursor(seq: string): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const match = /^s(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) {
    throw new DomainError(ErrorCode.ValidationFailed, 'Invalid cursor', {
      fields: [{ path: 'cursor', message: 'is not a cursor this API gave' }],
    });
  }
  return match[1]!;
}
