import { decodeSeqCursor, encodeSeqCursor } from '@conduit/service-kit';

/** Opaque page positions: the last listed job's sequence number, base64url. */
export function encodeJobCursor(seq: string): string {
  return encodeSeqCursor('j', seq);
}

export function decodeJobCursor(cursor: string): string {
  return decodeSeqCursor('j', cursor);
}
