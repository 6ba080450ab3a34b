import { retryAfterMs } from './openai-image.generator';

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  it('reads seconds, HTTP dates and retry-after-ms; null when absent or unreadable', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now + 5_000).toUTCString() }), now)).toBe(
      5_000,
    );
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
