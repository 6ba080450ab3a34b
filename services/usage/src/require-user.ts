import { DomainError, Envelope, ErrorCode } from '@conduit/contracts';

/** Usage always belongs to a user; a request without one was not sent on anyone's behalf. */
export function requireUserId(envelope: Envelope): string {
  if (!envelope.userId) throw new DomainError(ErrorCode.Unauthenticated, 'No user on the message');
  return envelope.userId;
}
