import { DomainError, ErrorCode } from '@conduit/contracts';

/** The one answer for every credential failure, so callers cannot tell which part was wrong. */
export function unauthenticated(): DomainError {
  return new DomainError(ErrorCode.Unauthenticated, 'Missing or invalid credentials');
}
