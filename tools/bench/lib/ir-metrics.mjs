// Ranking quality measures as trec_eval computes them, for one query at a time and averaged over a set.
// `judgements` maps a document id to its grade; a grade above 0 is relevant, 0 or less (or absent) not.

/** Average precision of `ranking` (document ids, best first): the mean of precision at each relevant hit, over every relevant document (found or not). */
export function averagePrecision(ranking, judgements) {
  let relevantCount = 0;
  for (const grade of judgements.values()) if (grade > 0) relevantCount++;
  if (relevantCount === 0) return 0;
  let found = 0;
  let sum = 0;
  const seen = new Set();
  for (const id of ranking) {
    if (seen.has(id)) continue; // a document counts once, at its best rank
    seen.add(id);
    if ((judgements.get(id) ?? 0) > 0) {
      found++;
      sum += found / seen.size;
    }
  }
  return sum / relevantCount;
}

const discount = (index) => Math.log2(index + 2);

/** nDCG@k with linear gains (the grade itself) and log2 discounts; 0 when nothing is relevant. */
export function ndcgAtK(ranking, judgements, k) {
  let dcg = 0;
  const seen = new Set();
  let position = 0;
  for (const id of ranking) {
    if (position >= k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    dcg += Math.max(judgements.get(id) ?? 0, 0) / discount(position);
    position++;
  }
  const ideal = [...judgements.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, grade, index) => sum + grade / discount(index), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/**
 * MAP and nDCG@k of a run (query id → ranked document ids) over every query that has at least one
 * relevant judgement (`qrels`: query id → Map of document id → grade); a query the run lacks scores 0.
 */
export function evaluateRun(run, qrels, k = 10) {
  const queryIds = [...qrels.keys()].filter((id) => [...qrels.get(id).values()].some((grade) => grade > 0));
  if (queryIds.length === 0) return { queries: 0, map: 0, ndcg: 0 };
  let map = 0;
  let ndcg = 0;
  for (const id of queryIds) {
    const ranking = run.get(id) ?? [];
    map += averagePrecision(ranking, qrels.get(id));
    ndcg += ndcgAtK(ranking, qrels.get(id), k);
  }
  return { queries: queryIds.length, map: map / queryIds.length, ndcg: ndcg / queryIds.length };
}
