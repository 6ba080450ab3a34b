import { DomainError, ErrorCode } from '@conduit/contracts';

/** How a provider call failed, which decides whether retrying or falling back can help. */
export type ProviderFailureKind =
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'auth'
  | 'content_policy'
  | 'context_length'
  | 'bad_request'
  | 'bad_response';

const codeByKind: Record<ProviderFailureKind, DomainError['code']> = {
  rate_limited: ErrorCode.ProviderRateLimited,
  unavailable: ErrorCode.ProviderUnavailable,
  timeout: ErrorCode.ProviderTimeout,
  auth: ErrorCode.ProviderAuthFailed,
  content_policy: ErrorCode.ProviderContentRejected,
  context_length: ErrorCode.ContextLengthExceeded,
  bad_request: ErrorCode.ProviderBadResponse,
  bad_response: ErrorCode.ProviderBadResponse,
};

export class ProviderError extends DomainError {
  constructor(
    readonly kind: ProviderFailureKind,
    readonly provider: string,
    message: string,
    readonly retryAfterMs: number | null = null,
    readonly status: number | null = null,
  ) {
    super(codeByKind[kind], message, {
      provider,
      kind,
      ...(retryAfterMs !== null ? { retryAfterMs } : {}),
      ...(status !== null ? { status } : {}),
    });
    this.name = 'ProviderError';
  }
}
