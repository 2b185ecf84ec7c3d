/**
 * ClickHouse spellings of the shared SQL helpers (see dialect.ts), kept to what 18.16 supports:
 * no JSONExtract (visitParam* instead), no window functions, arrays for per-entity sequences.
 */
import type { SqlDialect } from './dialect.js';

const CH_TYPES = { String: 'String', Int64: 'Int64', Float64: 'Float64', UInt64: 'UInt64' } as const;

/**
 * DuckDB's `quantile_cont`, step for step, so both engines give the same double (18.16's `quantileExact*` pick an
 * element and do not interpolate): over the sorted non-null values `a` (n of them, as doubles), rn = (n − 1) × level,
 * lo = a[floor(rn)], hi = a[ceil(rn)] (0-based), d = rn − floor(rn), and lo × (1 − d) + hi × d (DuckDB's order of
 * operations, checked value for value); NULL when n = 0. Holds every value of a group in memory (one array per group).
 */
function quantile(expr: string, level: number): string {
  const a = `arraySort(groupArray(toFloat64(${expr})))`;
  const rn = `((length(${a}) - 1) * ${Number(level)})`;
  const lo = `${a}[toUInt64(floor(${rn})) + 1]`;
  const hi = `${a}[toUInt64(ceil(${rn})) + 1]`;
  const d = `(${rn} - floor(${rn}))`;
  return `if(length(${a}) = 0, NULL, if(floor(${rn}) = ceil(${rn}), ${lo}, ${lo} * (1 - ${d}) + ${hi} * ${d}))`;
}

export const clickhouse: SqlDialect = {
  name: 'clickhouse',
  param: (name, type) => `{${name}:${CH_TYPES[type]}}`,
  intDiv: (a, b) => `intDiv(${a}, ${b})`,
  monthNumber: (ms) =>
    `((toYear(toDateTime(intDiv(${ms}, 1000), 'UTC')) - 1970) * 12 + toMonth(toDateTime(intDiv(${ms}, 1000), 'UTC')) - 1)`,
  uniq: (expr) => `uniqExact(${expr})`,
  hashKey: (expr) => expr,
  quantile,
  toDouble: (expr) => `toFloat64(${expr})`,
  // 18.16 takes only a number after LIMIT: the top values are sorted and sliced in an array instead.
  topByCount: (rows, limit) =>
    `SELECT arrayJoin(arraySlice(arraySort(groupArray((-toInt64(n), g))), 1, ${limit})).2 AS g FROM (SELECT g, count() AS n FROM ${rows} GROUP BY g) AS counts`,
  // visitParam* finds a key by name anywhere in the text: only the last segment can be used.
  jsonExtractString: (raw, path) => `nullIf(visitParamExtractString(${raw}, ${path}), '')`,
  jsonExtractNumber: (raw, path) => `if(visitParamHas(${raw}, ${path}), visitParamExtractFloat(${raw}, ${path}), NULL)`,
  jsonPath: (segments) => segments[segments.length - 1],
  elementByKey: (values, keys, key) => `if(indexOf(${keys}, ${key}) = 0, NULL, ${values}[indexOf(${keys}, ${key})])`,
  listHas: (list, value) => `has(${list}, ${value})`,
  containsText: (text, needle) => `(position(${text}, ${needle}) > 0)`,
  toText: (expr) => `toString(${expr})`,
  toNumber: (expr) => `toFloat64OrNull(${expr})`,
  unnestOrEmpty: (list) => `arrayJoin(if(length(${list}) > 0, ${list}, ['']))`,
  listDistinct: (list) => `arrayDistinct(arrayFilter(t -> isNotNull(t), ${list}))`,
  listLength: (list) => `length(${list})`,
  listIf: (expr, cond) => `groupArrayIf(${expr}, ${cond})`,
  minIf: (expr, cond) => `if(countIf(${cond}) = 0, NULL, minIf(${expr}, ${cond}))`,
  argMinIf: (value, by, cond) => `argMinIf(${value}, ${by}, ${cond})`,
  countIf: (cond) => `countIf(${cond})`,
  sortKey: (...exprs) => `tuple(${exprs.join(', ')})`,
  listMinWhere: (list, cond) =>
    `if(length(arrayFilter(x -> ${cond}, ${list})) = 0, NULL, arrayReduce('min', arrayFilter(x -> ${cond}, ${list})))`,
  expandRange: (n) => `arrayJoin(range(toUInt64(${n})))`,
  expandList: (list) => `arrayJoin(${list})`,
  // ClickHouse has no row identity: a record's place in its writer's load (failed_events' sorting key) names the row.
  failedRowKey: ['load_segment', 'seq', 'writer'],
  true: '1',
  false: '0',
  events: 'events FINAL',
  failedEvents: 'failed_events FINAL',
  namedSubqueries: false,
  windowFunctions: false,
  writer: 'writer',
  loadedThrough: 'SELECT writer, max(through_seq) FROM loaded_segments GROUP BY writer',
  sessionPaths: false,
  supports: { jsonPaths: false, numberText: false },
  sortedDistinctList: (expr) => `arraySort(groupUniqArray(${expr}))`,
  expandPositions: (list) => `arrayJoin(arrayEnumerate(${list}))`,
};
