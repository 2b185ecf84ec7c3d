/**
 * Paths: page-to-page transitions from IMPRESSION `edata.pageid`, per session, ordered by event
 * time; a page viewed again right after itself is one step. Steps are numbered along the path so
 * the answer is acyclic (`2_home` ≠ `4_home`) and a Sankey chart can draw it as nodes and links.
 * Uses standard window functions (DuckDB; ClickHouse ≥ 21); ClickHouse 18.16 would need arrays.
 */
import type { PathNode, PathsQuery, PathsResult, ResolvedRange } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql } from './filters.js';
import { rangeSql, resolveRange } from './sql-time.js';

/** Rows: (step of the source, source page, target page, sessions), strongest first. */
export function buildFor(query: PathsQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const max = p.int(query.maxSteps ?? 5);
  const views = `SELECT sid, ets, mid, edata_pageid AS page FROM events
    WHERE eid = ${p.str('IMPRESSION')} AND ${rangeSql(range, p)} AND sid IS NOT NULL AND edata_pageid IS NOT NULL
      AND ${filtersSql(query.filters, p)}`;
  const order = 'PARTITION BY sid ORDER BY ets, mid';
  const changes = `SELECT sid, ets, mid, page, lag(page) OVER (${order}) AS prev FROM views`;
  const numbered = `SELECT sid, page, row_number() OVER (${order}) AS i FROM changes WHERE prev IS NULL OR prev <> page`;
  let stepped: string;
  if (query.startPage) {
    stepped = `SELECT n.sid, n.page, n.i - a.i0 + 1 AS step FROM numbered n
      JOIN (SELECT sid, min(i) AS i0 FROM numbered WHERE page = ${p.str(query.startPage)} GROUP BY sid) a ON a.sid = n.sid
      WHERE n.i >= a.i0 AND n.i - a.i0 < ${max}`;
  } else if (query.endPage) {
    // Counted back from the first arrival at the end page, which is always step maxSteps.
    stepped = `SELECT n.sid, n.page, ${max} - (a.i1 - n.i) AS step FROM numbered n
      JOIN (SELECT sid, min(i) AS i1 FROM numbered WHERE page = ${p.str(query.endPage)} GROUP BY sid) a ON a.sid = n.sid
      WHERE n.i <= a.i1 AND a.i1 - n.i < ${max}`;
  } else {
    stepped = `SELECT sid, page, i AS step FROM numbered WHERE i <= ${max}`;
  }
  const sql = `WITH views AS (${views}), changes AS (${changes}), numbered AS (${numbered}), stepped AS (${stepped})
    SELECT x.step AS step, x.page AS source, y.page AS target, count(*) AS n
    FROM stepped x JOIN stepped y ON y.sid = x.sid AND y.step = x.step + 1
    GROUP BY x.step, x.page, y.page
    ORDER BY n DESC, step, source, target
    LIMIT ${p.int(query.limit ?? 50)}`;
  return { sql, params: p.values };
}

export function build(query: PathsQuery, dialect: SqlDialect, now = Date.now()): CompiledQuery {
  return buildFor(query, resolveRange(query.dateRange, now), dialect);
}

export function shape(rows: unknown[][]): PathsResult {
  const nodes = new Map<string, PathNode>();
  const node = (step: number, page: string) => {
    const id = `${step}_${page}`;
    if (!nodes.has(id)) nodes.set(id, { id, step, page });
    return id;
  };
  const links = rows.map(([step, source, target, n]) => ({
    source: node(Number(step), String(source)),
    target: node(Number(step) + 1, String(target)),
    value: Number(n),
  }));
  const ordered = [...nodes.values()].sort((a, b) => a.step - b.step || a.page.localeCompare(b.page));
  return { nodes: ordered, links };
}

export async function runPaths(store: Store, query: PathsQuery, now = Date.now()): Promise<PathsResult> {
  const { sql, params } = build(query, dialectFor(store.dialect), now);
  return shape((await store.query(sql, params)).rows);
}
