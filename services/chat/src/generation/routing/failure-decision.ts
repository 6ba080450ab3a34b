import type { ProviderFailureKind } from '@conduit/provider-errors';
import type { RoutingDefaults } from './model-policy';

export type FailureDecision =
  { action: 'retry'; delayMs: number } | { action: 'fallback' } | { action: 'fail' };

const BASE_BACKOFF_MS = 200;

/**
 * What to do after an attempt failed before any text reached the client. Retrying the same model helps
 * with passing trouble; another model helps when this one is limited, down, too small or refuses our key;
 * nothing helps with a request the provider rejects on its merits.
 */
export function decideAfterFailure(
  kind: ProviderFailureKind,
  retryAfterMs: number | null,
  retriesLeft: number,
  defaults: RoutingDefaults,
  retryIndex: number,
): FailureDecision {
  switch (kind) {
    case 'rate_limited':
      if (retriesLeft > 0 && retryAfterMs !== null && retryAfterMs <= defaults.maxRetryWaitMs) {
        return { action: 'retry', delayMs: retryAfterMs };
      }
      return { action: 'fallback' };
    case 'unavailable':
    case 'timeout':
    case 'bad_response':
      if (retriesLeft > 0) {
        const wait = retryAfterMs ?? BASE_BACKOFF_MS * 2 ** retryIndex;
        if (wait <= defaults.maxRetryWaitMs) return { action: 'retry', delayMs: wait };
      }
      return { action: 'fallback' };
    case 'context_length':
    case 'auth':
      return { action: 'fallback' };
    case 'content_policy':
    case 'bad_request':
      return { action: 'fail' };
  }
}

/** Failures that say the deployment itself is unwell (as opposed to this request being unserveable). */
export function countsAgainstHealth(kind: ProviderFailureKind): boolean {
  return kind === 'unavailable' || kind === 'timeout' || kind === 'rate_limited' || kind === 'bad_response';
}
