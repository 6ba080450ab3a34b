import { DomainError, ErrorCode } from '@conduit/contracts';

/** A row's place in a list ordered by a timestamp and then the id, opaque to clients as a cursor. */
export interface KeysetPosition {
  at: Date;
  id: string;
}

export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(`${position.at.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeKeysetCursor(value: string): KeysetPosition {
  const [iso, id] = Buffer.from(value, 'base64url').toString().split('|');
  const at = new Date(iso ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(at.getTime())) {
    throw new DomainError(ErrorCode.ValidationFailed, 'Invalid cursor', {
      fields: [{ path: 'cursor', message: 'is not a cursor this API issued' }],
    });
  }
  return { at, id };
}

// Ids are uuid columns: anything else would fail in the query as a server error, not a bad cursor.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
