import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bm25Index } from '../lib/bm25.mjs';
import { evaluateRun } from '../lib/ir-metrics.mjs';
import { CollectionError, loadTestCollection, parseJudgements } from '../lib/test-collection.mjs';

const folders = [];
function collection(files) {
  const dir = mkdtempSync(join(tmpdir(), 'collection-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
after(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const DOCUMENTS = [
  '.I 1',
  '.T',
  'wing flutter',
  '.A',
  'someone',
  '.W',
  'flutter of a swept wing at high speed .',
  '.I 2',
  '.T',
  'boundary layers',
  '.W',
  'laminar boundary layer on a flat plate .',
  '.I 3',
  '.T',
  'heat transfer',
  '.W',
  'heat transfer in a hypersonic boundary layer .',
  '.I 4',
  '.T',
  '.W',
  '',
].join('\r\n');

describe('loadTestCollection', () => {
  it('reads SMART documents and queries, and judgements that number queries by position', () => {
    const dir = collection({
      'tiny.all': DOCUMENTS,
      'tiny.qry': '.I 001\n.W\nwing flutter .\n.I 007\n.W\nheat in boundary layers .\n',
      tinyqrel: '1 1 1\n2 3 1\n2 2 3\n2 4 -1\n',
      'README.md': 'not data',
    });
    const loaded = loadTestCollection(dir);
    assert.deepEqual(
      loaded.documents.map((d) => [d.id, d.title]),
      [
        ['1', 'wing flutter'],
        ['2', 'boundary layers'],
        ['3', 'heat transfer'],
        ['4', ''],
      ],
    );
    assert.equal(loaded.documents[0].text, 'flutter of a swept wing at high speed .');
    assert.deepEqual(
      loaded.queries.map((q) => q.id),
      ['1', '7'],
    );
    assert.match(loaded.notes[0], /by position/);
    assert.deepEqual(
      [...loaded.qrels.get('7')],
      [
        ['3', 1],
        ['2', 1],
        ['4', 0],
      ],
    );
  });

  it('turns grades into gains as asked: lower is better (Cranfield) or higher is better (TREC)', () => {
    const dir = collection({
      'c.all': DOCUMENTS,
      'c.qry': '.I 1\n.W\nheat in boundary layers .\n',
      'c.rel': '1 2 1\n1 3 4\n',
    });
    assert.deepEqual(
      [...loadTestCollection(dir, { grades: 'lower' }).qrels.get('1')],
      [
        ['2', 4],
        ['3', 1],
      ],
    );
    assert.deepEqual(
      [...loadTestCollection(dir, { grades: 'higher' }).qrels.get('1')],
      [
        ['2', 1],
        ['3', 4],
      ],
    );
    assert.throws(() => loadTestCollection(dir, { grades: 'best' }), CollectionError);
  });

  it('says which file it cannot tell apart', () => {
    const dir = collection({ 'a.all': DOCUMENTS, 'b.all': DOCUMENTS, 'q.qry': '', qrels: '' });
    assert.throws(() => loadTestCollection(dir), /documents file .*several/);
  });

  it('gives known MAP and nDCG@10 for the reference BM25 on a hand-made collection', () => {
    const dir = collection({
      'c.all': DOCUMENTS,
      'c.qry': '.I 1\n.W\nboundary layer\n.I 2\n.W\nwing\n',
      'c.rel': '1 3 1\n2 1 1\n2 2 1\n',
    });
    const loaded = loadTestCollection(dir);
    const index = bm25Index(loaded.documents.map((d) => ({ id: d.id, text: `${d.title}\n${d.text}` })));
    const run = new Map(loaded.queries.map((q) => [q.id, index.search(q.text, 100).map((hit) => hit.id)]));
    // Query 1: doc 2 (shorter) ranks above doc 3, so AP = 1/2; nDCG = (1/log2 3) / 1.
    // Query 2: only doc 1 has "wing": AP = (1/1) / 2; nDCG = 1 / (1 + 1/log2 3).
    assert.deepEqual(run.get('1'), ['2', '3']);
    assert.deepEqual(run.get('2'), ['1']);
    const result = evaluateRun(run, loaded.qrels, 10);
    assert.equal(result.queries, 2);
    assert.ok(Math.abs(result.map - (0.5 + 0.5) / 2) < 1e-9);
    assert.ok(Math.abs(result.ndcg - (1 / Math.log2(3) + 1 / (1 + 1 / Math.log2(3))) / 2) < 1e-9);
  });
});

describe('parseJudgements', () => {
  const ids = new Set(['10', '20', '30']);

  it('finds the document column of TREC qrels (query, iteration, doc, grade)', () => {
    assert.deepEqual(parseJudgements('1 0 10 2\n1 0 20 0\n', ids), [
      { queryId: '1', docId: '10', grade: 2 },
      { queryId: '1', docId: '20', grade: 0 },
    ]);
  });

  it('reads `query doc 0 0` and two-column lines as every listed pair relevant', () => {
    assert.deepEqual(parseJudgements('01 10 0 0.000000\n01 30 0 0.000000\n', ids), [
      { queryId: '1', docId: '10', grade: 1 },
      { queryId: '1', docId: '30', grade: 1 },
    ]);
    assert.deepEqual(parseJudgements('2 20\n', ids), [{ queryId: '2', docId: '20', grade: 1 }]);
  });
});
