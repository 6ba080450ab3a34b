import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCorpus, seededRandom, sentencesOf } from '../lib/search-corpus.mjs';

// A stand-in chunker: one chunk per started 1,000 characters.
const chunkText = (text) =>
  Array.from({ length: Math.ceil(text.length / 1000) }, (_, ordinal) => ({ ordinal }));

const collection = {
  name: 'tiny',
  documents: Array.from({ length: 30 }, (_, i) => ({
    id: String(i + 1),
    title: `title ${i + 1}`,
    text: `the flow over plate number ${i} is laminar. the boundary layer of case ${i} thickens downstream. pressure ${i} was measured at the wall.`,
  })),
  queries: [{ id: '1', text: 'laminar flow' }],
};

describe('sentencesOf', () => {
  it('cuts after sentence ends and folds whitespace', () => {
    assert.deepEqual(sentencesOf('the first sentence is here.  the\nsecond one is here too? ok'), [
      'the first sentence is here.',
      'the second one is here too?',
    ]);
  });
});

describe('buildCorpus', () => {
  it('makes exactly the chunks asked for, each document 1 to 3 chunks', () => {
    const corpus = buildCorpus(collection, { chunks: 500, seed: 7, chunkText });
    assert.equal(corpus.chunks, 500);
    const counts = corpus.documents.map((document) => chunkText(document.text).length);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      500,
    );
    assert.ok(counts.every((count) => count >= 1 && count <= 3));
  });

  it('is the same for the same seed and differs for another', () => {
    const a = buildCorpus(collection, { chunks: 50, seed: 1, chunkText });
    const b = buildCorpus(collection, { chunks: 50, seed: 1, chunkText });
    const c = buildCorpus(collection, { chunks: 50, seed: 2, chunkText });
    assert.deepEqual(a.documents, b.documents);
    assert.notDeepEqual(a.documents, c.documents);
  });

  it('draws numbers in [0, 1) from the seed', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 1000 }, random);
    assert.ok(values.every((value) => value >= 0 && value < 1));
    assert.deepEqual(values.slice(0, 3), Array.from({ length: 3 }, seededRandom(3)));
  });
});
