import { DomainError, ErrorCode } from '@conduit/contracts';

/** Keyset position in a user's session list (newest activity first), opaque to clients. */
export interface SessionCursor {
  updatedAt: Date;
  id: string;
}

export function encodeSessionCursor(cursor: SessionCursor): string {
  return Buffer.from(`${cursor.updatedAt.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeSessionCursor(value: string): SessionCursor {
  const [iso, id] = Buffer.from(value, 'base64url').toString().split('|');
  const updatedAt = new Date(iso ?? '');
  if (!id || Number.isNaN(updatedAt.getTime())) {
    throw new DomainError(ErrorCode.ValidationFailed, 'Invalid cursor', {
      fields: [{ path: 'cursor', message: 'is not a cursor this API issued' }],
    });
  }
  return { updatedAt, id };
}
