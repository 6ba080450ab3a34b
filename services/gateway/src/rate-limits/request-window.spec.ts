import { decide, parseWindowReply, rateLimitHeaders, type WindowObservation } from './request-window';

const WINDOW = 60_000;
const observed = (o: Partial<WindowObservation>): WindowObservation => ({
  admitted: true,
  count: 1,
  now: 1_000_000,
  pivotAt: 1_000_000,
  ...o,
});

describe('sliding window decisions', () => {
  it('counts down what is left, with the reset at the oldest request leaving the window', () => {
    const first = decide(observed({ count: 1, pivotAt: 1_000_000 }), 5, WINDOW, 'api-key');
    expect(first).toEqual({
      allowed: true,
      scope: 'api-key',
      limit: 5,
      windowMs: WINDOW,
      remaining: 4,
      resetMs: 60_000,
    });
    const fifth = decide(observed({ count: 5, now: 1_030_000, pivotAt: 1_000_000 }), 5, WINDOW, 'user');
    expect(fifth).toMatchObject({ allowed: true, remaining: 0, resetMs: 30_000 });
    expect(fifth.retryAfterMs).toBeUndefined();
  });

  it('refuses with the time until the pivot entry leaves the window', () => {
    const refused = decide(
      observed({ admitted: false, count: 5, now: 1_059_001, pivotAt: 1_000_000 }),
      5,
      WINDOW,
      'user',
    );
    expect(refused).toEqual({
      allowed: false,
      scope: 'user',
      limit: 5,
      windowMs: WINDOW,
      remaining: 0,
      resetMs: 999,
      retryAfterMs: 999,
    });
  });

  it('never tells a refused client to retry at once, even on a clock edge', () => {
    const edge = decide(observed({ admitted: false, count: 3, now: 1_060_000 }), 3, WINDOW, 'user');
    expect(edge.retryAfterMs).toBe(1);
  });

  it('never reports negative remaining when the limit was lowered below what the window holds', () => {
    // The window holds 8 from when the limit was 10; the entry that frees the next slot is the 4th oldest.
    const lowered = decide(
      observed({ admitted: false, count: 8, now: 1_010_000, pivotAt: 995_000 }),
      5,
      WINDOW,
      'api-key',
    );
    expect(lowered).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 45_000 });
  });

  it('parses the script reply and rejects anything else', () => {
    expect(parseWindowReply([1, 3, 1_000, 900])).toEqual({
      admitted: true,
      count: 3,
      now: 1_000,
      pivotAt: 900,
    });
    expect(parseWindowReply([0, 3, 1_000, 900]).admitted).toBe(false);
    expect(() => parseWindowReply([1, 2, 3])).toThrow(/unexpected/);
    expect(() => parseWindowReply('OK')).toThrow(/unexpected/);
    expect(() => parseWindowReply([1, '2', 3, 4])).toThrow(/unexpected/);
  });
});

describe('RateLimit headers', () => {
  it('rounds the reset up to whole seconds, so a client waiting that long is never early', () => {
    const headers = rateLimitHeaders(decide(observed({ count: 2, now: 1_000_001 }), 600, WINDOW, 'user'));
    expect(headers).toEqual({
      'ratelimit-limit': '600',
      'ratelimit-remaining': '598',
      'ratelimit-reset': '60',
      'ratelimit-policy': '600;w=60',
    });
    const refused = decide(observed({ admitted: false, count: 600, now: 1_059_000 }), 600, WINDOW, 'user');
    expect(rateLimitHeaders(refused)['ratelimit-reset']).toBe('1');
    expect(rateLimitHeaders(refused)['ratelimit-remaining']).toBe('0');
  });

  it('describes a shortened window in seconds', () => {
    expect(rateLimitHeaders(decide(observed({}), 5, 2_500, 'api-key'))['ratelimit-policy']).toBe('5;w=3');
  });
});
