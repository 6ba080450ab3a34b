import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averagePrecision, evaluateRun, ndcgAtK } from '../lib/ir-metrics.mjs';

const close = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
const grades = (entries) => new Map(Object.entries(entries));

describe('averagePrecision', () => {
  it('averages precision at each relevant hit over all relevant documents', () => {
    // Hits at ranks 1 and 3; d6 is never found: (1/1 + 2/3) / 3.
    close(averagePrecision(['d1', 'd2', 'd3', 'd4', 'd5'], grades({ d1: 1, d3: 1, d6: 1 })), (1 + 2 / 3) / 3);
  });

  it('is 1 for a perfect ranking, 0 with no hit, and ignores non-positive grades', () => {
    close(averagePrecision(['a', 'b', 'x'], grades({ a: 2, b: 1, x: 0 })), 1);
    close(averagePrecision(['x', 'y'], grades({ a: 1, x: -1 })), 0);
    close(averagePrecision([], grades({})), 0);
  });

  it('counts a repeated document once, at its first rank', () => {
    close(averagePrecision(['x', 'x', 'a'], grades({ a: 1 })), 1 / 2);
  });
});

describe('ndcgAtK', () => {
  it('uses linear gains and log2 discounts', () => {
    const judgements = grades({ d1: 3, d3: 2, d6: 1 });
    const dcg = 3 / 1 + 0 + 2 / Math.log2(4);
    const ideal = 3 / 1 + 2 / Math.log2(3) + 1 / Math.log2(4);
    close(ndcgAtK(['d1', 'd2', 'd3'], judgements, 3), dcg / ideal);
    close(Number((dcg / ideal).toFixed(10)), 0.840007983);
  });

  it('only looks at the first k, and is 1 for the ideal order', () => {
    const judgements = grades({ a: 1, b: 2 });
    close(ndcgAtK(['x', 'y', 'b', 'a'], judgements, 2), 0);
    close(ndcgAtK(['b', 'a', 'x'], judgements, 10), 1);
  });
});

describe('evaluateRun', () => {
  it('averages over the queries with a relevant document; a query missing from the run scores 0', () => {
    const qrels = new Map([
      ['1', grades({ a: 1 })],
      ['2', grades({ b: 1 })],
      ['3', grades({ c: 0 })], // nothing relevant: not scored
    ]);
    const run = new Map([['1', ['a']]]);
    const result = evaluateRun(run, qrels, 10);
    assert.equal(result.queries, 2);
    close(result.map, 0.5);
    close(result.ndcg, 0.5);
  });
});
