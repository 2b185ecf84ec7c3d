/**
 * The home page's figures (GET /api/home, @telemetry/query home.ts) in one statement over events,
 * of three narrow scans: the seven eids the page counts, grouped once (counts, the rating sum, the
 * top pages and interactions); searches with no result (the edata_size column, never raw); and
 * each actor's days with any event (30 days further back for MAU), from which DAU/WAU/MAU are
 * the days each active day covers until the next — one row per active day instead of one per day
 * of each window. The sessions figure reads the summaries table and the key flow runs the funnel
 * insight, beside it; the data-quality summary reads failed_events.
 * Actors are counted by events.actor_key, as the insights count them. Each figure equals the
 * answer of the insight `homeQueries` names for it (test/home.test.ts against the insights, the
 * dashboard suite in a browser). Both engines (buildHome).
 */
import {
  bucketLabel,
  bucketsOf,
  HOME_TOP,
  type HomeAnswer,
  type HomeParams,
  type HomeTop,
  homeQueries,
} from '@telemetry/query';
import type { Dialect, Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, SqlParams } from './dialect/index.js';
import { failedSummary } from './failed-summary.js';
import { filtersSql, selectorSql } from './filters.js';
import { runFunnels } from './funnels.js';
import { breakdownGroup, ENTITY_COLUMNS, propertyNumber, validatedProperty } from './properties.js';
import { runSessions } from './sessions-insight.js';
import { bucketOfSql, resolveRange } from './sql-time.js';

const DAY = 86_400_000;
/** The eids the page counts, by their number in the statement (`k`). */
const KINDS = ['IMPRESSION', 'INTERACT', 'FEEDBACK', 'SEARCH', 'INTERRUPT', 'SHARE', 'ERROR'] as const;
/** Rolling windows in days: DAU, WAU, MAU (trends' `dau`, `wau`, `mau`). */
const WINDOWS = [1, 7, 30] as const;

/**
 * The statements, whose rows together are `(section, key, group, n, x, total)`: `count` (key = kind, group = a top
 * page or interaction or NULL, n = its events, x = the rating sum; `total` = the kind's events), `zero` (searches
 * with no result) and `active` (key = window in days, group = day bucket, n = change in active actors from that day
 * on). One statement on DuckDB; on ClickHouse, without window functions, the same rows from three (per-kind arrays
 * of groups for the top values, per-actor arrays of days for the covers).
 */
export function buildHome(params: HomeParams, now: number, dialect: Dialect = 'duckdb'): CompiledQuery[] {
  const q = homeQueries(params);
  const range = resolveRange(q.active.dateRange, now);
  const d = dialectFor(dialect);
  const p = new SqlParams(d);
  const kind = `CASE ${KINDS.map((eid, i) => `WHEN ${selectorSql({ eid }, p)} THEN ${i}`).join(' ')} END`;
  const group = (path: string) => breakdownGroup(validatedProperty(path), p);
  const from = p.int(range.from);
  const to = p.int(range.to);
  const filters = filtersSql(q.active.filters, p);
  const inRange = `ets >= ${from} AND ets < ${to} AND ${filters}`;
  const counted = `(${KINDS.map((eid) => selectorSql({ eid }, p)).join(' OR ')}) AND ${inRange}`;
  const topGroup = `CASE WHEN ${selectorSql({ eid: 'IMPRESSION' }, p)} THEN ${group('edata.pageid')}
      WHEN ${selectorSql({ eid: 'INTERACT' }, p)} THEN ${group('edata.id')} END`;
  const rating = propertyNumber(validatedProperty('edata.rating'), p);
  // edata_size is the JSON reading of edata.size kept as a column (migration 13): the filter of the searches
  // trend's zero-result series without reading raw.
  const zero = `${selectorSql({ eid: 'SEARCH' }, p)} AND edata_size = 0 AND ${inRange}`;
  // Active means any event, as the active trend's `$all` series counts (docs/analytics.md, All events).
  const active = `${ENTITY_COLUMNS.actor} IS NOT NULL
    AND ets >= ${p.int(range.from - WINDOWS[2] * DAY)} AND ets < ${to} AND ${filters}`;
  const day = bucketOfSql('day', 'ets', range, p);
  const top = p.int(HOME_TOP);
  // An actor counts on day b for window w when active on a day in (b - w, b]: each active day d covers
  // [d, min(d + w, next active day)), so the covers of one actor never overlap and add up.
  if (!d.windowFunctions) {
    // Each kind's groups sorted as DuckDB ranks them (most events first, then by value), the first HOME_TOP kept.
    const counts = `SELECT 'count' AS section, k, t.2 AS g, -t.1 AS n, t.3 AS x, total FROM (
      SELECT k, sum(n) AS total, arraySort(groupArray((-toInt64(n), g, x))) AS sorted,
        if(k > 1, sorted, arraySlice(sorted, 1, ${top})) AS kept
      FROM (SELECT assumeNotNull(${kind}) AS k, ${topGroup} AS g, count() AS n, sum(${rating}) AS x FROM ${d.events}
        WHERE ${counted} GROUP BY k, g) AS groups GROUP BY k) AS kinds ARRAY JOIN kept AS t`;
    const zeros = `SELECT 'zero', 3, NULL, count() FROM ${d.events} WHERE ${zero}`;
    // An actor's last active day has no next one: the longest window's end stands in (least() keeps d + w).
    // The covers' ends written out per window: a lambda here would capture columns that 18.16 drops from the
    // subquery as unused ("Unknown identifier").
    const ends = WINDOWS.flatMap((w) => [`(${w}, d, toInt8(1))`, `(${w}, least(d + ${w}, nd), toInt8(-1))`]);
    const covers = `SELECT 'active', c.1 AS w, toString(c.2) AS pos, sum(c.3) FROM (
        SELECT arrayJoin([${ends.join(', ')}]) AS c FROM (
          SELECT ds[i] AS d, if(i < length(ds), ds[i + 1], ds[i] + ${WINDOWS[2]}) AS nd FROM (
            SELECT arraySort(groupUniqArray(${day})) AS ds FROM ${d.events} WHERE ${active}
            GROUP BY ${ENTITY_COLUMNS.actor}) AS actors ARRAY JOIN arrayEnumerate(ds) AS i) AS days) AS ends
      GROUP BY w, pos`;
    return [counts, zeros, covers].map((sql) => ({ sql, params: p.values }));
  }
  const sql = `WITH by_eid AS (SELECT eid, ${topGroup} AS g, count(*) AS n, sum(${rating}) AS x
    FROM events WHERE ${counted} GROUP BY eid, g),
  groups AS (SELECT k, g, n, x, sum(n) OVER (PARTITION BY k) AS total
    FROM (SELECT ${kind} AS k, g, sum(n) AS n, sum(x) AS x FROM by_eid GROUP BY 1, 2) AS kinds
    QUALIFY k > 1 OR row_number() OVER (PARTITION BY k ORDER BY n DESC, g) <= ${top}),
  days AS (SELECT DISTINCT ${ENTITY_COLUMNS.actor} AS e, ${day} AS d FROM events WHERE ${active}),
  covers AS (SELECT d, lead(d) OVER (PARTITION BY e ORDER BY d) AS next FROM days)
SELECT 'count' AS section, k AS key, g, n, x, total FROM groups
UNION ALL SELECT 'zero', 3, NULL, count(*), NULL, NULL FROM events WHERE ${zero}
UNION ALL SELECT 'active', w, CAST(pos AS VARCHAR), sum(change), NULL, NULL
  FROM (SELECT w, unnest([d, least(d + w, coalesce(next, d + w))]) AS pos, unnest([1, -1]) AS change
    FROM covers, (VALUES ${WINDOWS.map((w) => `(${w})`).join(', ')}) AS windows(w)) AS ends
  GROUP BY w, pos`;
  return [{ sql, params: p.values }];
}

/** Actors active in the window's days up to each bucket, from the covers' starts (+n) and ends (-n) of the statement. */
function rolling(changes: Map<number, number>, buckets: number[]): number[] {
  const at = [...changes.entries()].sort((a, b) => a[0] - b[0]);
  let i = 0;
  let active = 0;
  return buckets.map((b) => {
    while (i < at.length && at[i][0] <= b) active += at[i++][1];
    return active;
  });
}

/** The kept values of a breakdown in trends' order: most events first, ties by value with "absent" last. */
function ordered(tops: { g: string; n: number }[]): HomeTop[] {
  return tops
    .map(({ g, n }) => ({ value: g === '' ? null : g, count: n }))
    .sort(
      (a, b) =>
        b.count - a.count ||
        Number(a.value === null) - Number(b.value === null) ||
        String(a.value).localeCompare(String(b.value)),
    );
}

/** Every home figure for `params` at `now` (epoch ms). Store errors propagate (api/errors.ts maps them). */
export async function runHome(store: Store, params: HomeParams, now = Date.now()): Promise<HomeAnswer> {
  const queries = homeQueries(params);
  const range = resolveRange(queries.active.dateRange, now);
  const [events, sessions, funnel, failed] = await Promise.all([
    Promise.all(buildHome(params, now, store.dialect).map(({ sql, params }) => store.query(sql, params))).then(
      (results) => ({ rows: results.flatMap((r) => r.rows) }),
    ),
    runSessions(store, queries.sessions, now),
    runFunnels(store, queries.funnel, now),
    failedSummary(store, range.from, range.to, { channel: params.channel, app: params.app }),
  ]);
  const counts = KINDS.map(() => ({ n: 0, x: 0 }));
  const tops: { g: string; n: number }[][] = [[], []];
  const changes = WINDOWS.map(() => new Map<number, number>());
  let zeroResults = 0;
  for (const [section, key, g, n, x, total] of events.rows) {
    const k = Number(key);
    if (section === 'count') {
      counts[k] = { n: Number(total), x: counts[k].x + Number(x ?? 0) };
      if (k <= 1) tops[k].push({ g: String(g), n: Number(n) });
    } else if (section === 'zero') zeroResults = Number(n);
    else {
      const w = changes[WINDOWS.indexOf(k as (typeof WINDOWS)[number])];
      w.set(Number(g), (w.get(Number(g)) ?? 0) + Number(n));
    }
  }
  const buckets = bucketsOf('day', range);
  const [dau, wau, mau] = changes.map((c) => rolling(c, buckets));
  return {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    timezone: range.timezone,
    queries,
    active: { buckets: buckets.map((b) => bucketLabel('day', b)), dau, wau, mau },
    sessions,
    pages: ordered(tops[0]),
    interactions: ordered(tops[1]),
    funnel,
    feedback: { ratings: counts[2].n, ratingSum: counts[2].x },
    searches: { searches: counts[3].n, zeroResults },
    signals: { interrupts: counts[4].n, shares: counts[5].n, errors: counts[6].n },
    failed,
  };
}
