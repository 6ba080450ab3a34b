import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rssGrowthByHalf } from '../lib/rss-timeline.mjs';

const MB = 1024 * 1024;
const readings = (values) => values.map((mb, i) => ({ atMs: i * 100, rss: mb * MB }));

test('a process that warms up and then stays put grows in the first half only', () => {
  const growth = rssGrowthByHalf(readings([100, 140, 160, 170, 165, 150, 168, 160, 155, 169, 162]));
  assert.equal(growth.firstHalfGrowth, 70 * MB);
  assert.equal(growth.secondHalfGrowth, -1 * MB);
  assert.equal(growth.overallPeak, 170 * MB);
});

test('a process that keeps what it reads grows in both halves', () => {
  const growth = rssGrowthByHalf(readings([100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]));
  assert.equal(growth.firstHalfGrowth, 50 * MB);
  assert.equal(growth.secondHalfGrowth, 50 * MB);
});

test('the halves are split by time, not by the number of readings', () => {
  const uneven = [
    { atMs: 0, rss: 100 * MB },
    { atMs: 10, rss: 120 * MB },
    { atMs: 20, rss: 130 * MB },
    { atMs: 1_000, rss: 200 * MB },
  ];
  assert.deepEqual(
    [rssGrowthByHalf(uneven).firstHalfGrowth, rssGrowthByHalf(uneven).secondHalfGrowth],
    [30 * MB, 70 * MB],
  );
});

test('fewer than two readings cannot tell', () => {
  assert.throws(() => rssGrowthByHalf(readings([100])), /at least two/);
});
