#!/usr/bin/env node
// `npm run bench -- search-engine`: the search store alone, no services. Offline-embedding rate on one
// core, ingest into the embedded store (LanceDB) at --chunks chunks, the background optimize and ANN
// build, recall@10 of the default vector search against exact search, and query latency per mode.
// Chunks are windows of a classic test collection's documents (Cranfield by default), so the
// vectors are those of real text. Needs `npm run build` first.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeLoad } from './lib/harness.mjs';
import { REPO_ROOT } from './lib/platform.mjs';
import { fmtMs, percentile, table } from './lib/stats.mjs';
import { parseSmartRecords } from './lib/test-collection.mjs';

const HELP = `usage: npm run bench -- search-engine [--chunks 100000] [--queries 200] [--collection DIR] [--path DIR] [--dimensions 384]
  --chunks      chunks to index (one user holds them all, so the ANN index serves its queries)
  --queries     queries for recall and latency
  --collection  a SMART test collection directory (default ../shared/data/cranfield, from the current directory)
  --path        LanceDB directory (default a temporary one, removed afterwards)
  --optimize-every  rows written between background optimizations (default the store's)`;

const { values: flags } = parseArgs({
  options: {
    chunks: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    collection: { type: 'string', default: '../shared/data/cranfield' },
    path: { type: 'string' },
    dimensions: { type: 'string', default: '384' },
    'optimize-every': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const chunkCount = Number(flags.chunks);
const queryCount = Number(flags.queries);
const dimensions = Number(flags.dimensions);
const log = (message) => process.stderr.write(`[search-engine] ${message}\n`);

const dist = (file) => join(REPO_ROOT, 'services', 'search', 'dist', file);
if (!existsSync(dist('store/lancedb/lancedb-chunk-store.js'))) {
  console.error('services/search is not built: run `npm run build` first');
  process.exit(1);
}
const load = createRequire(import.meta.url);
const { OfflineLexicalEmbedder } = load(dist('embeddings/offline-lexical.embedder.js'));
const { LanceDbChunkStore } = load(dist('store/lancedb/lancedb-chunk-store.js'));
const { measureRecallAtK } = load(dist('store/vector-recall.js'));

/** mulberry32: the same corpus every run. */
function randomFrom(seed) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readCollection(dir) {
  const files = ['cran.all.1400', 'cran.qry'].map((name) => join(dir, name));
  if (!files.every(existsSync)) throw new Error(`no Cranfield-style collection in ${dir} (--collection)`);
  const [documents, queries] = files.map((file) =>
    parseSmartRecords(readFileSync(file, 'utf8')).map((record) => record.fields.W ?? ''),
  );
  return { documents: documents.map((text) => text.split(/\s+/).filter(Boolean)), queries };
}

/** A chunk of about 200 words: a window of one document with a third of its words from another. */
function chunkTexts(documents, count, random) {
  const pick = () => documents[Math.floor(random() * documents.length)];
  return Array.from({ length: count }, () => {
    const main = pick();
    const other = pick();
    const start = Math.floor(random() * Math.max(1, main.length - 150));
    const words = [];
    for (let i = 0; i < 200; i++) {
      words.push(
        random() < 0.67 ? main[(start + i) % main.length] : other[Math.floor(random() * other.length)],
      );
    }
    return words.join(' ');
  });
}

const elapsedMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;

async function main() {
  log(
    `load average ${describeLoad()}; ${chunkCount} chunks, ${queryCount} queries, ${dimensions} dimensions`,
  );
  const { documents, queries } = readCollection(flags.collection);
  const texts = chunkTexts(documents, chunkCount, randomFrom(11));
  const embedder = new OfflineLexicalEmbedder(dimensions);

  // 1. Offline embedding alone, one core.
  const sample = texts.slice(0, Math.min(20_000, texts.length));
  for (const text of sample.slice(0, 1_000)) embedder.embedOne(text);
  let start = process.hrtime.bigint();
  for (const text of sample) embedder.embedOne(text);
  const embedRate = (sample.length / elapsedMs(start)) * 1000;

  // 2. Ingest: embed and write documents of 10 chunks, 50 documents per write.
  const path = flags.path ?? mkdtempSync(join(tmpdir(), 'conduit-search-engine-'));
  const store = await LanceDbChunkStore.open({
    path,
    ...(flags['optimize-every'] ? { optimizeEveryRows: Number(flags['optimize-every']) } : {}),
    onBackgroundError: (error, task) => log(`background ${task} failed: ${error?.message ?? error}`),
  });
  const index = await store.openIndex(embedder.space);
  start = process.hrtime.bigint();
  const perDocument = 10;
  const perWrite = 50;
  for (let first = 0; first < texts.length; first += perDocument * perWrite) {
    const batch = [];
    for (let d = first; d < Math.min(texts.length, first + perDocument * perWrite); d += perDocument) {
      const documentId = `doc-${d / perDocument}`;
      const chunkTextsOfDocument = texts.slice(d, d + perDocument);
      const { vectors } = await embedder.embed(chunkTextsOfDocument, 'document');
      batch.push({
        userId: 'bench-user',
        documentId,
        chunks: chunkTextsOfDocument.map((text, ordinal) => ({
          chunkId: `${documentId}:${ordinal}`,
          documentId,
          userId: 'bench-user',
          collection: 'default',
          ordinal,
          text,
          title: null,
          source: null,
          tags: [],
          dateMs: null,
          vector: vectors[ordinal],
        })),
      });
    }
    await index.replaceDocuments(batch);
  }
  const ingestMs = elapsedMs(start);
  log(`ingested in ${(ingestMs / 1000).toFixed(1)} s; optimizing`);
  start = process.hrtime.bigint();
  await index.settle();
  await index.optimize();
  const optimizeMs = elapsedMs(start);
  log(`optimized in ${(optimizeMs / 1000).toFixed(1)} s; measuring recall`);

  // 3. Recall@10 of the default vector search against exact search.
  const queryTexts = Array.from({ length: queryCount }, (_, i) => queries[i % queries.length]);
  const queryVectors = queryTexts.map((text) => embedder.embedOne(text));
  const filter = { userId: 'bench-user' };
  const recall = await measureRecallAtK(
    index,
    queryVectors.map((vector) => ({ vector, filter })),
    10,
  );

  log(`recall ${recall.recall.toFixed(4)}; measuring latency`);
  // 4. Latency per mode, one client, topK 10 (exact vector search beside it for comparison).
  const latency = {};
  const timeEach = async (name, run) => {
    const samples = [];
    for (let i = 0; i < queryTexts.length; i++) {
      const t = process.hrtime.bigint();
      await run(i);
      samples.push(elapsedMs(t));
    }
    latency[name] = samples;
  };
  const search = (mode) => (i) =>
    index.search({ mode, text: queryTexts[i], vector: queryVectors[i], topK: 10, filter });
  await timeEach('keyword', search('keyword'));
  await timeEach('semantic', search('semantic'));
  await timeEach('hybrid', search('hybrid'));
  await timeEach('semantic, exact', (i) => index.nearest(queryVectors[i], filter, 10, { exact: true }));
  await store.close();
  if (!flags.path) rmSync(path, { recursive: true, force: true });

  console.log(
    `\nsearch engine (LanceDB, offline lexical ${dimensions}-d), ${chunkCount} chunks of about 200 words`,
  );
  console.log(`  offline embedding, one core: ${embedRate.toFixed(0)} chunks/s`);
  console.log(
    `  ingest (embedding + writes of 500 chunks): ${((chunkCount / ingestMs) * 1000).toFixed(0)} chunks/s (${(ingestMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  optimize + ANN index (${index.hasAnnIndex ? 'IVF_FLAT built' : 'not built: below SEARCH_ANN_MIN_ROWS'}): ${(optimizeMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `  recall@10 of the default vector search against exact: ${recall.recall.toFixed(4)} (worst query ${recall.worst.toFixed(2)}, ${recall.queries} queries; target >= 0.95)`,
  );
  console.log(
    `\n${table(
      ['mode (1 client, topK 10)', 'p50 ms', 'p99 ms'],
      Object.entries(latency).map(([name, samples]) => [
        name,
        fmtMs(percentile(samples, 50)),
        fmtMs(percentile(samples, 99)),
      ]),
    )}`,
  );
  log(`load average ${describeLoad()}`);
}

main().catch((error) => {
  console.error(`[search-engine] ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
