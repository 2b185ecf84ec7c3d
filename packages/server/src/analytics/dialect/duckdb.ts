/** DuckDB spellings of the shared SQL helpers (see dialect.ts). */
import type { SqlDialect } from './dialect.js';

/** RFC 6901 pointer: DuckDB's json functions accept `/a/b` paths, so keys need no quoting, only `~`/`/` escapes. */
function pointer(segments: string[]): string {
  return segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export const duckdb: SqlDialect = {
  name: 'duckdb',
  // Bound JS numbers arrive as INTEGER/DOUBLE/HUGEINT by value: the cast pins the type, and folds to a constant.
  param: (name, type) =>
    type === 'String' ? `$${name}` : `CAST($${name} AS ${type === 'Float64' ? 'DOUBLE' : 'BIGINT'})`,
  intDiv: (a, b) => `(${a}) // (${b})`,
  monthNumber: (ms) => `((year(epoch_ms(${ms})) - 1970) * 12 + month(epoch_ms(${ms})) - 1)`,
  uniq: (expr) => `count(DISTINCT ${expr})`,
  // events.actor_hash holds actor_key's (migration 18), computed once at load instead of in every query.
  hashKey: (expr) => (expr === 'actor_key' ? 'actor_hash' : `md5_number(${expr})`),
  quantile: (expr, level) => `quantile_cont(${expr}, ${Number(level)})`,
  toDouble: (expr) => `CAST(${expr} AS DOUBLE)`,
  topByCount: (rows, limit) =>
    `SELECT g, row_number() OVER (ORDER BY count(*) DESC, g) AS r FROM ${rows} GROUP BY g ORDER BY r LIMIT ${limit}`,
  jsonExtractString: (raw, path) => `json_extract_string(${raw}, ${path})`,
  jsonExtractNumber: (raw, path) => `TRY_CAST(json_extract_string(${raw}, ${path}) AS DOUBLE)`,
  jsonPath: pointer,
  jsonKeys: (raw, path) => `json_keys(${raw}, ${path})`,
  elementByKey: (values, keys, key) => `${values}[list_position(${keys}, ${key})]`,
  listHas: (list, value) => `list_contains(${list}, ${value})`,
  containsText: (text, needle) => `(strpos(${text}, ${needle}) > 0)`,
  toText: (expr) => `CAST(${expr} AS VARCHAR)`,
  toNumber: (expr) => `TRY_CAST(${expr} AS DOUBLE)`,
  unnestOrEmpty: (list) => `unnest(CASE WHEN len(${list}) > 0 THEN ${list} ELSE [''] END)`,
  listDistinct: (list) => `list_distinct(${list})`,
  listLength: (list) => `len(${list})`,
  listIf: (expr, cond) => `list(${expr}) FILTER (WHERE ${cond})`,
  minIf: (expr, cond) => `min(${expr}) FILTER (WHERE ${cond})`,
  argMinIf: (value, by, cond) => `arg_min(${value}, ${by}) FILTER (WHERE ${cond})`,
  countIf: (cond) => `count(*) FILTER (WHERE ${cond})`,
  sortKey: (...exprs) => `[${exprs.join(', ')}]`,
  listMinWhere: (list, cond) => `list_min(list_filter(${list}, x -> ${cond}))`,
  expandRange: (n) => `unnest(range(${n}))`,
  expandList: (list) => `unnest(${list})`,
  // DuckDB's row number within the table: kept by a row until it is deleted.
  failedRowKey: ['rowid'],
  true: 'TRUE',
  false: 'FALSE',
  events: 'events',
  failedEvents: 'failed_events',
  namedSubqueries: true,
  windowFunctions: true,
  writer: '0',
  loadedThrough: 'SELECT 0, coalesce(max(arrival_seq), 0) FROM events',
  sessionPaths: true,
  supports: { jsonPaths: true, numberText: true },
  sortedDistinctList: (expr) => `list_sort(list(DISTINCT ${expr}))`,
  expandPositions: (list) => `unnest(range(1, len(${list}) + 1))`,
};
