import type { Envelope } from './envelope';
import { DomainError, ErrorCode } from './errors';

/** User data always belongs to a user; a message without one was not sent on anyone's behalf. */
export function requireUserId(envelope: Envelope): string {
  if (!envelope.userId) throw new DomainError(ErrorCode.Unauthenticated, 'No user on the message');
  return envelope.userId;
}
