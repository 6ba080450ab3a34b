import { decideAfterFailure } from './failure-decision';

const defaults = { maxRetries: 2, maxRetryWaitMs: 5_000, cooldownAfterFailures: 3, cooldownMs: 10_000 };

describe('decideAfterFailure', () => {
  it('waits out a short Retry-After on the same model, and moves on from a long one', () => {
    expect(decideAfterFailure('rate_limited', 2_000, 1, defaults, 0)).toEqual({
      action: 'retry',
      delayMs: 2_000,
    });
    expect(decideAfterFailure('rate_limited', 60_000, 1, defaults, 0)).toEqual({ action: 'fallback' });
    expect(decideAfterFailure('rate_limited', null, 1, defaults, 0)).toEqual({ action: 'fallback' });
    expect(decideAfterFailure('rate_limited', 1_000, 0, defaults, 2)).toEqual({ action: 'fallback' });
  });

  it('backs off exponentially on outages and timeouts while retries last, then falls back', () => {
    expect(decideAfterFailure('unavailable', null, 2, defaults, 0)).toEqual({
      action: 'retry',
      delayMs: 200,
    });
    expect(decideAfterFailure('timeout', null, 1, defaults, 1)).toEqual({ action: 'retry', delayMs: 400 });
    expect(decideAfterFailure('bad_response', null, 0, defaults, 2)).toEqual({ action: 'fallback' });
  });

  it('never retries auth or context-window failures on the same model, but lets another model try', () => {
    expect(decideAfterFailure('auth', null, 2, defaults, 0)).toEqual({ action: 'fallback' });
    expect(decideAfterFailure('context_length', null, 2, defaults, 0)).toEqual({ action: 'fallback' });
  });

  it('gives up on requests the provider rejects on their merits', () => {
    expect(decideAfterFailure('content_policy', null, 2, defaults, 0)).toEqual({ action: 'fail' });
    expect(decideAfterFailure('bad_request', null, 2, defaults, 0)).toEqual({ action: 'fail' });
  });
});
