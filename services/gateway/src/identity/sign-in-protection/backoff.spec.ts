import { backoffSeconds } from './backoff';

describe('sign-in backoff', () => {
  it('lets the first failures through, then doubles the block up to the cap', () => {
    const blocks = Array.from({ length: 14 }, (_, i) => backoffSeconds(i + 1, 3, 300));
    expect(blocks).toEqual([0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
  });

  it('stays finite however many failures there were', () => {
    expect(backoffSeconds(10_000, 5, 900)).toBe(900);
  });
});
