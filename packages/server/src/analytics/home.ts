/**
 * The home page's figures (GET /api/home, @telemetry/query home.ts) in one statement over events:
 * one scan keeps the rows of the seven eids the page counts (with a 30-day look-back for MAU), and
 * every event figure is read from those rows — counts and sums as conditional aggregates, the top
 * pages and interactions as one grouping, DAU/WAU/MAU as each actor's runs of active days. The
 * sessions figure reads the summaries table and the key flow runs the funnel insight, beside it.
 * Actors are counted by events.actor_key, as the insights count them. Each figure equals the
 * answer of the insight `homeQueries` names for it (test/home.test.ts against the insights, the
 * dashboard suite in a browser). DuckDB only, like sessions.
 */
import {
  bucketLabel,
  bucketsOf,
  HOME_TOP,
  type HomeAnswer,
  type HomeParams,
  type HomeTop,
  homeQueries,
  type PropertyFilter,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';
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
const ZERO_RESULTS: PropertyFilter = { property: 'edata.size', operator: 'eq', value: 0 };

/**
 * The statement: rows `(section, key, group, n, x)` — `count` (key = kind: events n, rating sum x),
 * `zero` (searches with no result), `top` (key = kind, group = value, n = events) and `active`
 * (key = window in days, group = day bucket, n = change in active actors from that day on).
 */
export function buildHome(params: HomeParams, now: number): { sql: string; values: Record<string, unknown> } {
  const q = homeQueries(params);
  const range = resolveRange(q.active.dateRange, now);
  const p = new SqlParams(dialectFor('duckdb'));
  const kind = `CASE ${KINDS.map((eid, i) => `WHEN ${selectorSql({ eid }, p)} THEN ${i}`).join(' ')} END`;
  const group = (path: string) => breakdownGroup(validatedProperty(path), p);
  const from = p.int(range.from);
  const to = p.int(range.to);
  const filters = filtersSql(q.active.filters, p);
  // edata.size is read from the raw JSON: only of SEARCH events, in a scan of its own (the column is large).
  const zero = `${selectorSql({ eid: 'SEARCH', filters: [ZERO_RESULTS] }, p)} AND ets >= ${from} AND ets < ${to} AND ${filters}`;
  const sql = `WITH ev AS MATERIALIZED (
    SELECT k, ets >= ${from} AS in_range, actor,
      CASE k WHEN 0 THEN ${bucketOfSql('day', 'ets', range, p)} END AS d,
      CASE k WHEN 0 THEN ${group('edata.pageid')} WHEN 1 THEN ${group('edata.id')} END AS g,
      CASE k WHEN 2 THEN ${propertyNumber(validatedProperty('edata.rating'), p)} END AS rating
    FROM (SELECT ${kind} AS k, ets, ${ENTITY_COLUMNS.actor} AS actor, edata_pageid, edata_id, edata_rating FROM events
      WHERE ets >= ${p.int(range.from - WINDOWS[2] * DAY)} AND ets < ${to} AND ${filters}) AS e
    WHERE k IS NOT NULL),
  pairs AS (SELECT DISTINCT actor AS e, d FROM ev WHERE k = 0 AND actor IS NOT NULL),
  gaps AS (SELECT e, d, d - lag(d) OVER (PARTITION BY e ORDER BY d) AS gap FROM pairs),
  marked AS (SELECT w, e, d, sum(CASE WHEN gap IS NULL OR gap > w THEN 1 ELSE 0 END)
      OVER (PARTITION BY w, e ORDER BY d) AS run
    FROM gaps, (VALUES ${WINDOWS.map((w) => `(${w})`).join(', ')}) AS windows(w)),
  runs AS (SELECT w, min(d) AS first, max(d) + w AS past FROM marked GROUP BY w, e, run)
SELECT 'count' AS section, k AS key, NULL AS g, count(*) AS n, sum(rating) AS x FROM ev WHERE in_range GROUP BY k
UNION ALL SELECT 'zero', 3, NULL, count(*), NULL FROM events WHERE ${zero}
UNION ALL SELECT 'top', k, g, count(*), NULL FROM ev WHERE in_range AND k <= 1 GROUP BY k, g
  QUALIFY row_number() OVER (PARTITION BY k ORDER BY count(*) DESC, g) <= ${p.int(HOME_TOP)}
UNION ALL SELECT 'active', w, CAST(first AS VARCHAR), count(*), NULL FROM runs GROUP BY w, first
UNION ALL SELECT 'active', w, CAST(past AS VARCHAR), -count(*), NULL FROM runs GROUP BY w, past`;
  return { sql, values: p.values };
}

/** Actors active in the `window` days up to each bucket, from the run starts (+n) and ends (-n) of the statement. */
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
  const { sql, values } = buildHome(params, now);
  const [events, sessions, funnel, failed] = await Promise.all([
    store.query(sql, values),
    runSessions(store, queries.sessions, now),
    runFunnels(store, queries.funnel, now),
    failedSummary(store, range.from, range.to),
  ]);
  const counts = KINDS.map(() => ({ n: 0, x: 0 }));
  const tops: { g: string; n: number }[][] = [[], []];
  const changes = WINDOWS.map(() => new Map<number, number>());
  let zeroResults = 0;
  for (const [section, key, g, n, x] of events.rows) {
    const k = Number(key);
    if (section === 'count') counts[k] = { n: Number(n), x: Number(x ?? 0) };
    else if (section === 'zero') zeroResults = Number(n);
    else if (section === 'top') tops[k].push({ g: String(g), n: Number(n) });
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
