import { DomainError, ErrorCode } from '@conduit/contracts';

/** Which sign-in limit refused a request; clients see it in the problem's details. */
export type SignInLimit =
  | 'attempts-per-address'
  | 'failures-per-address-and-account'
  | 'failures-per-account'
  | 'failures-per-address';

/**
 * 429 with Retry-After (the HTTP filter turns `details.retryAfterMs` into the header). The message is
 * the same whether or not the account exists, so the limits reveal nothing about who has one.
 */
export function signInRefused(limit: SignInLimit, retryAfterMs: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const message =
    limit === 'attempts-per-address'
      ? `Too many sign-in requests from this address; retry in ${seconds} s`
      : `Too many failed sign-ins; retry in ${seconds} s`;
  return new DomainError(ErrorCode.RateLimited, message, { rateLimit: limit, retryAfterMs });
}
