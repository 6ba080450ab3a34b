import { sourcePrecedence } from './metric-catalog';

/**
 * SQL keeping, of a set of rollup rows, for each metric and day only the rows of the one source that
 * counts that day (the metric catalog's SOURCE_PRECEDENCE): the first in the metric's own order, then
 * the default order, then any other source by name. `rows` names a relation with `metric`, `source` and
 * `bucket_start`; `day` is an SQL expression over `r.bucket_start`, answered as the column `day` beside
 * the relation's own. The precedence travels as four parameters, pushed onto `params`. One sort with a
 * window function, no join back: cheap whatever the planner guesses of the rows.
 */
export function preferredSourceRows(rows: string, day: string, params: unknown[]): string {
  const { default: fallback, byMetric } = sourcePrecedence();
  const own = [...byMetric].flatMap(([metric, sources]) =>
    sources.map((source, rank) => ({ metric, source, rank })),
  );
  const metrics = params.push(own.map((entry) => entry.metric));
  const sources = params.push(own.map((entry) => entry.source));
  const ranks = params.push(own.map((entry) => entry.rank));
  const defaults = params.push(fallback);
  return `SELECT * FROM (
      SELECT r.*, ${day} AS day,
             dense_rank() OVER (
               PARTITION BY r.metric, ${day}
               ORDER BY coalesce(own.rank, 1000 + array_position($${defaults}::text[], r.source), 2000), r.source
             ) AS preference
      FROM ${rows} r
      LEFT JOIN unnest($${metrics}::text[], $${sources}::text[], $${ranks}::int[]) AS own(metric, source, rank)
        ON own.metric = r.metric AND own.source = r.source) ranked
    WHERE preference = 1`;
}
