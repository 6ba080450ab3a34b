// Reads a classic test collection in the SMART format shared by Cranfield, CISI, MED, CACM, ADI, NPL
// and others: a documents file and a queries file of records opened by `.I <id>` with fields opened by
// a line `.<letter>` (`.T` title, `.W` text, others ignored), and a relevance judgements file of lines
// `query doc [grade]`, `query doc 0 0` or TREC's `query iteration doc grade`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export class CollectionError extends Error {}

const FIELD_LINE = /^\.([A-Z])(?:[ \t]+(.*))?$/;

/** Ids as the judgements write them: numeric ids without leading zeros (`001` and `1` are one query). */
export const normaliseId = (id) => (/^\d+$/.test(id) ? String(Number(id)) : id);

/** The records of a SMART file: `[{ id, fields: { T: '...', W: '...' } }]`, in file order. */
export function parseSmartRecords(text) {
  const records = [];
  let record = null;
  let field = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const marker = FIELD_LINE.exec(line);
    if (marker && marker[1] === 'I') {
      record = { id: normaliseId((marker[2] ?? '').trim()), fields: {} };
      records.push(record);
      field = null;
    } else if (marker && record) {
      field = marker[1];
      record.fields[field] = marker[2] ? [marker[2]] : [];
    } else if (record && field) {
      record.fields[field].push(line);
    }
  }
  return records.map(({ id, fields }) => ({
    id,
    fields: Object.fromEntries(
      Object.entries(fields).map(([name, lines]) => [name, lines.join('\n').trim()]),
    ),
  }));
}

/** Documents `{ id, title, text }`: text from `.W`, the title standing in when there is none. */
export function parseDocuments(text) {
  return parseSmartRecords(text).map(({ id, fields }) => {
    const title = (fields.T ?? '').replace(/\s+/g, ' ').trim();
    return { id, title, text: fields.W || title };
  });
}

/** Queries `{ id, text }` from `.W` (or `.T`). */
export function parseQueries(text) {
  return parseSmartRecords(text)
    .map(({ id, fields }) => ({ id, text: (fields.W || fields.T || '').replace(/\s+/g, ' ').trim() }))
    .filter((query) => query.text !== '');
}

/**
 * Judgements as `[{ queryId, docId, grade }]`. The document column is the one whose values are
 * document ids (TREC puts an iteration number before it); with no grade, or the same grade on every
 * line (`q d 0 0`), every listed pair is relevant with grade 1.
 */
export function parseJudgements(text, documentIds) {
  const rows = text
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 2 && fields[0] !== '');
  if (rows.length === 0) throw new CollectionError('the judgements file has no lines');
  const hits = (column) => rows.filter((fields) => documentIds.has(normaliseId(fields[column] ?? ''))).length;
  const docColumn = rows[0].length >= 4 && hits(2) > hits(1) ? 2 : 1;
  const gradeColumn = docColumn === 2 ? 3 : rows[0].length >= 3 ? 2 : null;
  const grades = gradeColumn === null ? [] : rows.map((fields) => Number(fields[gradeColumn]));
  const graded = gradeColumn !== null && grades.every(Number.isFinite) && new Set(grades).size > 1;
  return rows.map((fields, index) => ({
    queryId: normaliseId(fields[0]),
    docId: normaliseId(fields[docColumn]),
    grade: graded ? grades[index] : 1,
  }));
}

const ROLE_PATTERNS = {
  judgements: /qrel|\.rel$|^rel|relevan|judg/i,
  queries: /qry|quer|topic/i,
  documents: /\.all|all\.|doc|corpus/i,
};
const NOT_DATA = /readme|\.md$|\.html?$|\.pdf$/i;

/** Finds the three files of a collection folder by their names (`cran.all.1400`, `cran.qry`, `cranqrel`). */
export function findCollectionFiles(dir) {
  let names;
  try {
    names = readdirSync(dir).filter((name) => !NOT_DATA.test(name) && statSync(join(dir, name)).isFile());
  } catch (error) {
    throw new CollectionError(`cannot read the collection folder ${dir}: ${error.message}`);
  }
  const files = {};
  for (const role of ['judgements', 'queries', 'documents']) {
    const candidates = names.filter(
      (name) => ROLE_PATTERNS[role].test(name) && !Object.values(files).includes(join(dir, name)),
    );
    if (candidates.length !== 1)
      throw new CollectionError(
        `cannot tell the ${role} file in ${dir} (${candidates.length ? `several: ${candidates.join(', ')}` : 'none found'}); name it with --${role}`,
      );
    files[role] = join(dir, candidates[0]);
  }
  return files;
}

/**
 * How grades become gains: `binary` (relevant = 1), `higher` (the grade itself, TREC's way), or
 * `lower` (1 is best, as in Cranfield: gain = highest grade + 1 - grade).
 */
function gainsFor(judgements, grades) {
  const relevant = judgements.filter((j) => j.grade > 0);
  const highest = Math.max(0, ...relevant.map((j) => j.grade));
  const gain = {
    binary: () => 1,
    higher: (grade) => grade,
    lower: (grade) => highest + 1 - grade,
  }[grades];
  if (!gain) throw new CollectionError(`--grades must be binary, higher or lower, not ${grades}`);
  return (grade) => (grade > 0 ? gain(grade) : 0);
}

/**
 * Loads a collection: `{ name, documents, queries, qrels, notes }`, `qrels` mapping each query id to a
 * Map of document id → gain. Judgements may number queries by their `.I` id or by their position in
 * the queries file (Cranfield's do the latter); whichever matches more judged queries is used, and
 * `notes` says so.
 */
export function loadTestCollection(dir, { files = {}, grades = 'binary' } = {}) {
  const found = { ...files };
  if (!found.documents || !found.queries || !found.judgements)
    Object.assign(found, findCollectionFiles(dir), files);
  const documents = parseDocuments(readFileSync(found.documents, 'utf8'));
  const queries = parseQueries(readFileSync(found.queries, 'utf8'));
  if (documents.length === 0) throw new CollectionError(`no documents in ${found.documents}`);
  if (queries.length === 0) throw new CollectionError(`no queries in ${found.queries}`);
  const documentIds = new Set(documents.map((d) => d.id));
  const judgements = parseJudgements(readFileSync(found.judgements, 'utf8'), documentIds);
  const notes = [];

  const judgedQueries = new Set(judgements.map((j) => j.queryId));
  const byId = new Map(queries.map((q) => [q.id, q]));
  const byPosition = new Map(queries.map((q, index) => [String(index + 1), q]));
  const matches = (map) => [...judgedQueries].filter((id) => map.has(id)).length;
  const useIds = matches(byId) >= matches(byPosition);
  const queryOf = useIds ? byId : byPosition;
  if (!useIds)
    notes.push(
      `judgements number queries by position in ${basename(found.queries)} (${matches(byPosition)} match), not by .I id (${matches(byId)} match)`,
    );

  const gain = gainsFor(judgements, grades);
  const qrels = new Map();
  let unknownDocuments = 0;
  for (const judgement of judgements) {
    const query = queryOf.get(judgement.queryId);
    if (!query) continue;
    if (!documentIds.has(judgement.docId)) {
      unknownDocuments++;
      continue;
    }
    if (!qrels.has(query.id)) qrels.set(query.id, new Map());
    const current = qrels.get(query.id).get(judgement.docId) ?? 0;
    qrels.get(query.id).set(judgement.docId, Math.max(current, gain(judgement.grade)));
  }
  if (unknownDocuments > 0)
    notes.push(`${unknownDocuments} judgements name documents not in the collection; ignored`);
  const unjudged = queries.filter((q) => ![...(qrels.get(q.id)?.values() ?? [])].some((g) => g > 0)).length;
  if (unjudged > 0) notes.push(`${unjudged} queries have no relevant document and are not scored`);
  return { name: basename(dir), files: found, documents, queries, qrels, notes };
}
