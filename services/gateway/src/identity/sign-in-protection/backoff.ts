/** Doubling stops here long before any sane cap; it only keeps the power finite. */
const MAX_DOUBLINGS = 30;

/**
 * How long a subject is blocked after its `failures`-th failed sign-in in a row: not at all for the
 * first `free`, then 1 s, 2 s, 4 s… up to `maxSeconds`. Someone who mistyped a few times is never
 * slowed down; someone guessing gets a handful of tries per hour once the cap is reached.
 */
export function backoffSeconds(failures: number, free: number, maxSeconds: number): number {
  if (failures <= free) return 0;
  return Math.min(maxSeconds, 2 ** Math.min(failures - free - 1, MAX_DOUBLINGS));
}
