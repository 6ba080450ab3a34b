import { ErrorCode } from '@conduit/contracts';

type ProviderFailureCode =
  | typeof ErrorCode.ProviderRateLimited
  | typeof ErrorCode.ProviderUnavailable
  | typeof ErrorCode.ProviderTimeout
  | typeof ErrorCode.ProviderAuthFailed
  | typeof ErrorCode.ProviderContentRejected
  | typeof ErrorCode.ProviderBadResponse;

/**
 * A provider call that failed: `retryable` for faults that may pass (busy, down, slow), with the wait the
 * provider asked for (Retry-After) when it named one; anything else fails the job for good.
 */
export class ProviderFailure extends Error {
  constructor(
    readonly code: ProviderFailureCode,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderFailure';
  }
}
