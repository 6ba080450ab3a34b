import { DomainError, ErrorCode } from '@conduit/contracts';
import { assertKeyLimitsAllowed, effectiveKeyLimits } from './api-key-limits';

const defaults = { requestsPerMinute: 600, concurrentStreams: 20 };

describe('API key limits', () => {
  it('applies the defaults where the key sets nothing', () => {
    expect(effectiveKeyLimits(defaults, {})).toEqual(defaults);
    expect(effectiveKeyLimits(defaults, { requestsPerMinute: null, concurrentStreams: null })).toEqual(
      defaults,
    );
  });

  it("uses the key's own lower limits", () => {
    expect(effectiveKeyLimits(defaults, { requestsPerMinute: 5, concurrentStreams: 1 })).toEqual({
      requestsPerMinute: 5,
      concurrentStreams: 1,
    });
  });

  it('caps a stored limit at a default that was lowered since the key was made', () => {
    expect(
      effectiveKeyLimits(
        { requestsPerMinute: 100, concurrentStreams: 2 },
        { requestsPerMinute: 300, concurrentStreams: 5 },
      ),
    ).toEqual({
      requestsPerMinute: 100,
      concurrentStreams: 2,
    });
  });

  it('lets a key limit itself where the deployment has no limit (0)', () => {
    const unlimited = { requestsPerMinute: 0, concurrentStreams: 0 };
    expect(effectiveKeyLimits(unlimited, { requestsPerMinute: 7 })).toEqual({
      requestsPerMinute: 7,
      concurrentStreams: 0,
    });
  });

  it('refuses, naming each field, limits above the defaults', () => {
    expect(() =>
      assertKeyLimitsAllowed({ requestsPerMinute: 600, concurrentStreams: 20 }, defaults),
    ).not.toThrow();
    let error: unknown;
    try {
      assertKeyLimitsAllowed({ requestsPerMinute: 601, concurrentStreams: 21 }, defaults);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.ValidationFailed);
    expect((error as DomainError).details).toEqual({
      fields: [
        { path: 'limits.requestsPerMinute', message: expect.stringContaining('at most 600') },
        { path: 'limits.concurrentStreams', message: expect.stringContaining('at most 20') },
      ],
    });
    expect(() =>
      assertKeyLimitsAllowed({ requestsPerMinute: 50_000 }, { requestsPerMinute: 0, concurrentStreams: 0 }),
    ).not.toThrow();
  });
});
