import { isDomainError } from '@conduit/contracts';

/** The domain error code `fn` throws; 'no error' when it returns, 'not a domain error' for anything else. */
export function domainErrorCodeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return 'no error';
}
