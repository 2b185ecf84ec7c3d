/**
 * The SQL helpers every engine provides under the same names, so an insight is written once and
 * compiled per store (umami's pattern). Helpers take SQL expressions built from allowlisted column
 * names and generated parameter placeholders only — never user text.
 */
import type { Dialect } from '../../store/store.js';

/**
 * Parameter types, named as ClickHouse spells them; DuckDB infers them from the bound JS value. `UInt64` is a row
 * count (LIMIT, OFFSET): ClickHouse 18.16 takes only a number there.
 */
export type ParamType = 'String' | 'Int64' | 'Float64' | 'UInt64';

export interface SqlDialect {
  readonly name: Dialect;
  /** The placeholder for a named parameter: `$p0` (DuckDB) or `{p0:String}` (ClickHouse). */
  param(name: string, type: ParamType): string;
  /** Integer division rounding down, for non-negative operands. */
  intDiv(a: string, b: string): string;
  /** Months since 1970-01 of a wall time given as epoch-style ms. */
  monthNumber(localMs: string): string;
  /** Exact count of distinct non-null values (exact, so both engines give the same answers). */
  uniq(expr: string): string;
  /**
   * A text key (an actor key, a device or session id) as the engine groups and counts it fastest, for keys that are
   * grouped or counted but never returned: DuckDB's 128-bit `md5_number` (a UUID as text is hashed and compared about
   * twice as slowly; `actor_key`'s is kept at load, `events.actor_hash`), as ClickHouse's `uniqExact` itself counts
   * text by 128-bit hashes; ClickHouse: the text. NULL stays NULL.
   */
  hashKey(expr: string): string;
  /**
   * Aggregate: the interpolated quantile at a fixed level from the model's allowlist (0.5, 0.9, 0.95, 0.99) of the
   * non-null values, a double, NULL when there are none; computed as DuckDB's `quantile_cont` does, so every engine
   * gives the same double.
   */
  quantile(expr: string, level: number): string;
  /** A number as a double: the branches of a UNION ALL agree on one type (ClickHouse finds no common one otherwise). */
  toDouble(expr: string): string;
  /**
   * A SELECT of column `g`: the `limit` (a parameter placeholder) values of `g` in `rows` (a table or subquery) with the
   * most rows, ties by value (byte order), for a breakdown's kept values; with window functions, also `r`, each
   * one's rank (1 for the most rows).
   */
  topByCount(rows: string, limit: string): string;
  /** A string at a JSON pointer path of the raw event text; `path` is a bound parameter from `jsonPath`. */
  jsonExtractString(raw: string, path: string): string;
  jsonExtractNumber(raw: string, path: string): string;
  /** The parameter value that addresses `segments` in the raw JSON for this engine. */
  jsonPath(segments: string[]): string;
  /**
   * The keys of the JSON object at `path` (a bound parameter from `jsonPath`) of the raw event text, a list (empty or
   * NULL when there is none). Absent where `supports.jsonPaths` is false: a key found could not be read.
   */
  jsonKeys?(raw: string, path: string): string;
  /** The element of `values` at the position where `keys` holds `key` (cdata id by cdata type), else NULL. */
  elementByKey(values: string, keys: string, key: string): string;
  /** Whether the list column holds the value. */
  listHas(list: string, value: string): string;
  /** Substring match, literal (no LIKE wildcards). */
  containsText(text: string, needle: string): string;
  toText(expr: string): string;
  /** A number from text, NULL when it is not one. */
  toNumber(expr: string): string;
  /** `list` without repeated or NULL elements. */
  listDistinct(list: string): string;
  /** One row per element of `list` (in a SELECT list), and one row of '' for an empty or NULL list. */
  unnestOrEmpty(list: string): string;
  listLength(list: string): string;
  /** Aggregate: the list of `expr` over rows where `cond` holds. */
  listIf(expr: string, cond: string): string;
  /** Aggregate: min of `expr` over rows where `cond` holds. */
  minIf(expr: string, cond: string): string;
  /** Aggregate: `value` on the row with the smallest `by` among rows where `cond` holds. */
  argMinIf(value: string, by: string, cond: string): string;
  countIf(cond: string): string;
  /** A sort key of several expressions, compared left to right (for argMinIf's `by`). */
  sortKey(...exprs: string[]): string;
  /** Smallest element of `list` satisfying `cond` (written in terms of `x`), else NULL. */
  listMinWhere(list: string, cond: string): string;
  /** In a SELECT list: one output row per k in 0..n-1 (n a parameter placeholder or integer). */
  expandRange(n: string): string;
  /** In a SELECT list: one output row per element of the list column. */
  expandList(list: string): string;
  /**
   * A failed_events row's identity, for keyset paging over a table with no unique key: integer columns, compared left
   * to right, unique together in the table, increasing in load order and stable while the row exists. DuckDB: its
   * `rowid`; ClickHouse: (load_segment, seq, writer), the record's place in its writer's load (the sorting key, on
   * which `FINAL` folds a retried load's copies; loads increase per writer, so "load order" is each writer's).
   */
  readonly failedRowKey: readonly string[];
  /** Boolean literals (ClickHouse 18.16 has no `TRUE`/`FALSE` keywords: 1 and 0 there). */
  readonly true: string;
  readonly false: string;
  /**
   * The events table, for a read whose counts must be exact: on ClickHouse, `events FINAL`, which folds copies of a
   * re-sent event that the background merges have not folded yet (docs/clickhouse.md, de-duplication).
   */
  readonly events: string;
  /** The failed_events table, for a read that must be exact: on ClickHouse, `failed_events FINAL` (as `events`). */
  readonly failedEvents: string;
  /**
   * The events' writer number (ClickHouse: the `writer` column, migration 7, one per collector loading into the
   * database; each numbers its `arrival_seq` on its own). DuckDB has one writer: `0`.
   */
  readonly writer: string;
  /**
   * Rows (writer, arrival_seq): per writer, the last event of its loads that are whole. ClickHouse makes an insert
   * visible a partition (month) at a time, so a load still running can show some of its rows and not others: its
   * marker (`loaded_segments.through_seq`, written after them) says how far they all are. DuckDB loads in a
   * transaction: its highest `arrival_seq`.
   */
  readonly loadedThrough: string;
  /** Whether `WITH name AS (SELECT …)` is understood; ClickHouse 18.16 has no named subqueries, so they go inline. */
  readonly namedSubqueries: boolean;
  /**
   * Whether window functions (`… OVER (PARTITION BY …)`) are understood; ClickHouse 18.16 has none. Funnels rank each
   * entity's events with them where they are (funnels.ts) and by positions in per-entity arrays where not
   * (funnels-arrays.ts); paths number each session's views with them, or in one array per session (paths.ts).
   */
  readonly windowFunctions: boolean;
  /**
   * Whether the store keeps each session's page views in `session_paths` (DuckDB, migration 17;
   * analytics/session-paths.ts), which paths without filters read instead of every view.
   */
  readonly sessionPaths: boolean;
  /**
   * What this engine cannot yet answer as DuckDB does, refused by name (see `unsupported`): `jsonPaths`, a property
   * read from the raw JSON (18.16's visitParam* find a key by its last name anywhere in the text, and give '' for a
   * number); `numberText`, a number column as text (a breakdown by it, or compared with a string: ClickHouse writes
   * 5.0 as `5`, DuckDB as `5.0`).
   */
  readonly supports: { readonly jsonPaths: boolean; readonly numberText: boolean };
  /**
   * Aggregate: the distinct non-null values of `expr`, ascending, as a list (1-based, as every list here), so a
   * value's neighbours are the elements beside it: what a window's lag/lead gives, on an engine without windows.
   */
  sortedDistinctList(expr: string): string;
  /** In a SELECT list: one output row per position 1..length of the list column, an integer (none for an empty list). */
  expandPositions(list: string): string;
}
