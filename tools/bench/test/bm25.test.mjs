import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bm25Index, terms } from '../lib/bm25.mjs';

const close = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

describe('terms', () => {
  it('lower-cases, splits on anything but letters and digits, and Porter-stems', () => {
    assert.deepEqual(terms('Running RUNS, runner-ups: 42 Flows.'), [
      'run',
      'run',
      'runner',
      'up',
      '42',
      'flow',
    ]);
  });
});

describe('bm25Index', () => {
  const documents = [
    { id: 'A', text: 'apple banana' },
    { id: 'B', text: 'apple' },
    { id: 'C', text: 'cherry' },
  ];

  it('scores with k1 = 1.2, b = 0.75 and the non-negative idf', () => {
    const [hit] = bm25Index(documents).search('banana', 10);
    // df 1 of N 3; |A| = 2, average length 4/3.
    const idf = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    const norm = 1.2 * (1 - 0.75 + (0.75 * 2) / (4 / 3));
    assert.equal(hit.id, 'A');
    close(hit.score, (idf * 2.2) / (1 + norm));
  });

  it('ranks the shorter document first for a shared term, ties in document order, and cuts at topK', () => {
    const index = bm25Index([...documents, { id: 'D', text: 'apple' }]);
    assert.deepEqual(
      index.search('apples', 10).map((hit) => hit.id),
      ['B', 'D', 'A'],
    );
    assert.deepEqual(
      index.search('apple cherry', 2).map((hit) => hit.id),
      ['C', 'B'],
    );
    assert.deepEqual(index.search('durian', 10), []);
  });
});
