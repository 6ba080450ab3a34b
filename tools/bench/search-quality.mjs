#!/usr/bin/env node
// npm run bench -- search-quality [--collection DIR] [...]
//
// Retrieval quality of the search service on a classic test collection (documents, queries, relevance
// judgements in the SMART format of Cranfield, CISI, MED, CACM, ...; see lib/test-collection.mjs).
// Loads the documents through the public API of a running platform (one new account: batches to
// POST /api/v1/search/documents, then GET /api/v1/search/documents/:id until each is `indexed`), runs
// every query in each mode through POST /api/v1/search/query, ranks documents by their best chunk, and
// prints MAP and nDCG@10 per mode beside a plain BM25 (k1 1.2, b 0.75, Porter stemming) that this
// script computes itself over the same documents in the same run.
//
// Targets: keyword >= the reference BM25 (MAP and nDCG@10); hybrid > semantic and hybrid > keyword
// (both measures). Exits 0 whether or not they are met, non-zero when the harness itself fails.
import { isAbsolute, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { bm25Index } from './lib/bm25.mjs';
import { describeMachine, optionsOrExit, parseFlags, pool, postJson, runBenchmark } from './lib/harness.mjs';
import { evaluateRun } from './lib/ir-metrics.mjs';
import { HarnessError, REPO_ROOT, requireBuilt } from './lib/platform.mjs';
import { startSearchPlatform } from './lib/search-platform.mjs';
import { table } from './lib/stats.mjs';
import { CollectionError, loadTestCollection } from './lib/test-collection.mjs';

const HELP = `npm run bench -- search-quality [flags]   (each flag also as env BENCH_<NAME>)
  --collection DIR     test collection folder, relative to the repo root or absolute
                       (default ../shared/data/cranfield)
  --documents FILE     the documents file, when its name does not say so (likewise
  --queries FILE       --queries and --judgements); relative to the collection folder
  --judgements FILE
  --grades G           how judgement grades become nDCG gains: binary (default; relevant = grade > 0),
                       higher (the grade, TREC's way) or lower (1 is best, Cranfield's way)
  --modes M            retrieval modes, comma separated (default semantic,keyword,hybrid)
  --top-k N            results asked per query, 1..100 (default 100): MAP is MAP@N, for both sides
  --batch N            documents per upload, 1..1000 (default 1000), also kept under --batch-bytes
  --batch-bytes N      largest upload body (default 900000, under the gateway's default 1 MiB)
  --concurrency N      queries (and status polls) in flight at once (default 4)
  --index-timeout-s N  how long indexing may take before the run gives up (default 1800)
  --gateway URL        use the platform already running behind this gateway instead of starting one
  --reference-only N   1: only load the collection and score the reference BM25, no platform`;

const log = (message) => process.stderr.write(`[search-quality] ${message}\n`);
const MODES = ['semantic', 'keyword', 'hybrid'];
const NDCG_DEPTH = 10;

function parseOptions(argv) {
  const options = parseFlags(
    argv,
    {
      collection: '../shared/data/cranfield',
      documents: null,
      queries: null,
      judgements: null,
      grades: 'binary',
      modes: MODES.join(','),
      'top-k': { default: 100, min: 1 },
      batch: { default: 1000, min: 1 },
      'batch-bytes': { default: 900_000, min: 10_000 },
      concurrency: { default: 4, min: 1 },
      'index-timeout-s': { default: 1800, min: 1 },
      gateway: null,
      'reference-only': 0,
    },
    HELP,
  );
  const modes = options.modes.split(',').map((mode) => mode.trim());
  if (modes.some((mode) => !MODES.includes(mode)))
    throw new HarnessError(`--modes: any of ${MODES.join(', ')}`);
  if (options.topK > 100) throw new HarnessError('--top-k: at most 100 (the API allows no more)');
  if (options.batch > 1000) throw new HarnessError('--batch: at most 1000 (the API allows no more)');
  const collectionDir = isAbsolute(options.collection)
    ? options.collection
    : resolve(REPO_ROOT, options.collection);
  const files = Object.fromEntries(
    ['documents', 'queries', 'judgements']
      .filter((role) => options[role])
      .map((role) => [role, resolve(collectionDir, options[role])]),
  );
  return { ...options, modes, collectionDir, files, loadBefore: loadavg() };
}

function loadCollection(options) {
  try {
    return loadTestCollection(options.collectionDir, { files: options.files, grades: options.grades });
  } catch (error) {
    if (error instanceof CollectionError) throw new HarnessError(error.message);
    throw error;
  }
}

/** What the platform is given for a document, and what the reference BM25 indexes: the same words. */
function documentInput(document) {
  const input = { text: document.text.trim() || document.title };
  if (document.title) input.title = document.title.slice(0, 500);
  return input;
}
const indexedText = (input) => (input.title ? `${input.title}\n${input.text}` : input.text);

/** Consecutive batches of at most `count` documents and `bytes` of JSON each. */
function batches(inputs, count, bytes) {
  const result = [];
  let current = [];
  let size = 0;
  for (const input of inputs) {
    const inputBytes = Buffer.byteLength(JSON.stringify(input)) + 1;
    if (current.length > 0 && (current.length === count || size + inputBytes > bytes)) {
      result.push(current);
      current = [];
      size = 0;
    }
    current.push(input);
    size += inputBytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}

async function getJson(url, accessToken) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await response.text();
  if (!response.ok) throw new HarnessError(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function uploadDocuments({ gateway, accessToken, entries, options }) {
  const api = `${gateway.baseUrl}/api/v1/search/documents`;
  const groups = batches(entries, options.batch, options.batchBytes);
  log(`uploading ${entries.length} documents in ${groups.length} batches`);
  const platformIds = new Map();
  for (const group of groups) {
    const { ids } = await postJson(api, { documents: group.map((entry) => entry.input) }, accessToken);
    if (!Array.isArray(ids) || ids.length !== group.length)
      throw new HarnessError(`a batch of ${group.length} documents answered ${ids?.length ?? 'no'} ids`);
    group.forEach((entry, index) => platformIds.set(ids[index], entry.id));
  }
  return platformIds;
}

/** Polls each document until it is indexed (or failed); returns the failures. */
async function waitUntilIndexed({ gateway, accessToken, platformIds, options, assertAlive }) {
  const deadline = Date.now() + options.indexTimeoutS * 1000;
  let waiting = [...platformIds.keys()];
  const failures = [];
  const startedAt = performance.now();
  let lastReport = 0;
  while (waiting.length > 0) {
    assertAlive();
    if (Date.now() > deadline)
      throw new HarnessError(
        `${waiting.length} documents were not indexed within ${options.indexTimeoutS} s`,
      );
    // The oldest first, a bounded round at a time: ingestion is roughly in order, so later ones wait.
    const round = waiting.slice(0, 200);
    const statuses = await pool(round.length, options.concurrency, (i) =>
      getJson(`${gateway.baseUrl}/api/v1/search/documents/${round[i]}`, accessToken),
    );
    const settled = new Set();
    statuses.forEach((document, i) => {
      if (document.status === 'indexed') settled.add(round[i]);
      if (document.status === 'failed') {
        settled.add(round[i]);
        failures.push({ id: platformIds.get(round[i]), reason: document.failureReason });
      }
    });
    waiting = waiting.filter((id) => !settled.has(id));
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(`indexed ${platformIds.size - waiting.length - failures.length} of ${platformIds.size}`);
    }
    // Nothing settled in this round: give the indexer a moment before asking again.
    if (settled.size === 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (performance.now() - startedAt) / 1000;
  log(`all ${platformIds.size} documents settled after ${seconds.toFixed(1)} s of polling`);
  return failures;
}

/** Document ids, best first: each document at the rank of its best chunk. */
function documentRanking(results, platformIds) {
  const ranking = [];
  const seen = new Set();
  for (const result of results) {
    const id = platformIds.get(result.documentId);
    if (id === undefined)
      throw new HarnessError(`a result names document ${result.documentId}, not one of ours`);
    if (seen.has(id)) continue;
    seen.add(id);
    ranking.push(id);
  }
  return ranking;
}

/** Whether a result list's scores ever rise: the API promises the best first. */
const outOfOrder = (results) =>
  results.some((result, i) => i > 0 && result.score > results[i - 1].score + 1e-9);

async function runMode({ gateway, accessToken, queries, platformIds, mode, options }) {
  const answers = await pool(queries.length, options.concurrency, (i) =>
    postJson(
      `${gateway.baseUrl}/api/v1/search/query`,
      { query: queries[i].text.slice(0, 2000), mode, topK: options.topK },
      accessToken,
    ),
  );
  const unordered = answers.filter((answer) => outOfOrder(answer.results)).length;
  if (unordered > 0)
    log(`${mode}: ${unordered} of ${queries.length} answers list results out of score order`);
  const results = answers.reduce((sum, answer) => sum + answer.results.length, 0);
  log(`${mode}: ${(results / queries.length).toFixed(1)} results per query on average`);
  return new Map(queries.map((query, i) => [query.id, documentRanking(answers[i].results, platformIds)]));
}

const fmt = (value) => value.toFixed(4);

function report({ collection, entries, skipped, reference, modes, options }) {
  const rows = [['reference BM25', fmt(reference.map), fmt(reference.ndcg)]];
  for (const [mode, score] of Object.entries(modes)) rows.push([mode, fmt(score.map), fmt(score.ndcg)]);
  console.log(
    `\nsearch-quality: ${collection.name} (${entries.length} documents loaded${skipped ? `, ${skipped} without text skipped` : ''}, ` +
      `${reference.queries} judged queries; MAP@${options.topK}, nDCG@${NDCG_DEPTH} with ${options.grades} gains)`,
  );
  for (const note of collection.notes) console.log(`note: ${note}`);
  console.log(table(['ranking', `MAP@${options.topK}`, `nDCG@${NDCG_DEPTH}`], rows));
  const checks = [];
  const check = (label, ok) => checks.push(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
  if (modes.keyword) {
    check(
      `keyword MAP ${fmt(modes.keyword.map)} >= reference BM25 ${fmt(reference.map)}`,
      modes.keyword.map >= reference.map,
    );
    check(
      `keyword nDCG@10 ${fmt(modes.keyword.ndcg)} >= reference BM25 ${fmt(reference.ndcg)}`,
      modes.keyword.ndcg >= reference.ndcg,
    );
  }
  if (modes.hybrid) {
    for (const other of ['semantic', 'keyword'].filter((mode) => modes[mode])) {
      check(
        `hybrid MAP ${fmt(modes.hybrid.map)} > ${other} ${fmt(modes[other].map)}`,
        modes.hybrid.map > modes[other].map,
      );
      check(
        `hybrid nDCG@10 ${fmt(modes.hybrid.ndcg)} > ${other} ${fmt(modes[other].ndcg)}`,
        modes.hybrid.ndcg > modes[other].ndcg,
      );
    }
  }
  if (checks.length > 0) console.log(`\ntargets:\n${checks.join('\n')}`);
  console.log(describeMachine(options.loadBefore));
}

function startPlatform({ infra, ns, cleanup }) {
  requireBuilt({ services: ['gateway', 'search', 'usage'] });
  return startSearchPlatform({ infra, ns, cleanup, log });
}

async function run(options, { infra, ns, cleanup }) {
  const collection = loadCollection(options);
  log(
    `collection ${options.collectionDir}: ${collection.documents.length} documents, ${collection.queries.length} queries`,
  );
  // Documents with no words at all (Cranfield has two) cannot be submitted; they stay unretrievable.
  const entries = collection.documents
    .map((document) => ({ id: document.id, input: documentInput(document) }))
    .filter((entry) => entry.input.text.trim() !== '');
  const skipped = collection.documents.length - entries.length;

  const startedAt = performance.now();
  const reference = bm25Index(entries.map((entry) => ({ id: entry.id, text: indexedText(entry.input) })));
  const referenceRun = new Map(
    collection.queries.map((query) => [
      query.id,
      reference.search(query.text, options.topK).map((hit) => hit.id),
    ]),
  );
  const referenceScore = evaluateRun(referenceRun, collection.qrels, NDCG_DEPTH);
  log(
    `reference BM25 ranked ${collection.queries.length} queries in ${(performance.now() - startedAt).toFixed(0)} ms`,
  );

  const modes = {};
  if (!options.referenceOnly) {
    const { gateway, assertAlive } = options.gateway
      ? { gateway: { baseUrl: options.gateway.replace(/\/+$/, '') }, assertAlive: () => {} }
      : await startPlatform({ infra, ns, cleanup });
    const { accessToken } = await postJson(`${gateway.baseUrl}/api/v1/auth/register`, {
      email: `bench-${ns.id}@example.test`,
      password: 'correct horse battery staple',
    });
    const platformIds = await uploadDocuments({ gateway, accessToken, entries, options });
    const failures = await waitUntilIndexed({ gateway, accessToken, platformIds, options, assertAlive });
    if (failures.length > 0)
      log(
        `${failures.length} documents failed to index, e.g. ${failures
          .slice(0, 3)
          .map((f) => `${f.id}: ${f.reason}`)
          .join('; ')}`,
      );
    for (const mode of options.modes) {
      const modeStart = performance.now();
      const modeRun = await runMode({
        gateway,
        accessToken,
        queries: collection.queries,
        platformIds,
        mode,
        options,
      });
      modes[mode] = evaluateRun(modeRun, collection.qrels, NDCG_DEPTH);
      log(
        `${mode}: ${collection.queries.length} queries in ${((performance.now() - modeStart) / 1000).toFixed(1)} s`,
      );
      assertAlive();
    }
  }
  report({ collection, entries, skipped, reference: referenceScore, modes, options });
}

const options = optionsOrExit('search-quality', () => parseOptions(process.argv.slice(2)));
runBenchmark('search-quality', (context) => run(options, context));
