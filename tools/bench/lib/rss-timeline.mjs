// A process's resident memory over a stretch of work, and whether it stayed flat: RSS is read from /proc
// every `everyMs`, and the growth within the second half of the stretch is set against the first half's.
// A process that keeps what it reads grows in both halves alike; one that streams grows while its heap
// and buffers warm up, then stays where it is.
import { rssBytes } from './platform.mjs';

/** Starts reading the RSS of `pid`; `stop()` ends it and resolves with the `{ atMs, rss }` readings. */
export function recordRss(pid, everyMs = 100) {
  const readings = [];
  const read = () => {
    try {
      readings.push({ atMs: performance.now(), rss: rssBytes(pid) });
    } catch {
      // the process has exited: the readings end there
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return readings;
    },
  };
}

/**
 * How the RSS moved over the readings (at least two), split at the middle of their time span:
 * `firstHalfGrowth` is the first half's peak less the first reading, `secondHalfGrowth` the second half's
 * peak less the first half's (negative when it stayed below it), in bytes.
 */
export function rssGrowthByHalf(readings) {
  if (readings.length < 2) throw new Error('at least two RSS readings are needed');
  const start = readings[0];
  const middle = (start.atMs + readings[readings.length - 1].atMs) / 2;
  const peak = (list) => list.reduce((max, { rss }) => Math.max(max, rss), 0);
  const firstHalf = readings.filter(({ atMs }) => atMs <= middle);
  const secondHalf = readings.filter(({ atMs }) => atMs > middle);
  const firstPeak = peak(firstHalf);
  const secondPeak = secondHalf.length > 0 ? peak(secondHalf) : firstPeak;
  return {
    startRss: start.rss,
    firstHalfPeak: firstPeak,
    secondHalfPeak: secondPeak,
    overallPeak: Math.max(firstPeak, secondPeak),
    firstHalfGrowth: firstPeak - start.rss,
    secondHalfGrowth: secondPeak - firstPeak,
    readings: readings.length,
  };
}
