import { retryAfterMs } from './retry-after';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('retryAfterMs', () => {
  it('reads Retry-After as seconds, fractions included', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '30' }), NOW)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after': '1.5' }), NOW)).toBe(1_500);
  });

  it('reads Retry-After as an HTTP date, never negative', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 12:00:45 GMT' }), NOW)).toBe(45_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }), NOW)).toBe(0);
  });

  it('prefers retry-after-ms, and falls back when it is unreadable', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '30' }), NOW)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '-5', 'retry-after': '2' }), NOW)).toBe(2_000);
  });

  it("reads Node's header records, arrays included", () => {
    expect(retryAfterMs({ 'retry-after': '3' }, NOW)).toBe(3_000);
    expect(retryAfterMs({ 'retry-after': ['4', '9'] }, NOW)).toBe(4_000);
  });

  it('is null without a readable header', () => {
    expect(retryAfterMs(undefined, NOW)).toBeNull();
    expect(retryAfterMs(new Headers(), NOW)).toBeNull();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), NOW)).toBeNull();
    expect(retryAfterMs({}, NOW)).toBeNull();
  });
});
