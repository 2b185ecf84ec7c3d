/**
 * Paths (docs/analytics.md, Paths): page-to-page transitions from IMPRESSION `edata.pageid` (and PostHog's
 * `$pageview` / `$screen` by `$pathname` / `$screen_name`, docs/posthog.md), per
 * session, ordered by event time (then `mid`); a node repeated right after itself is one step.
 * Steps are numbered along the path so the answer is acyclic (`2_home` ≠ `4_home`) and a Sankey
 * chart can draw it as nodes and links.
 *
 * A start point (`startPoint`, or `startPage`) cuts each session's path at the point's first
 * occurrence, which becomes step 1; an end point (`endPoint`, or `endPage`) at its first
 * occurrence, which becomes step `maxSteps` (steps before it counted back). A page point is the
 * page's view; an event point is an event matching its selector, which joins the session's
 * sequence as a node of its own (`<step>_event:<label>`), in place of a page view when it is one.
 * Sessions without the point have no path.
 *
 * Computed as one grouped scan of the page views (and point events): each session's node list in
 * order (`list(… ORDER BY ets, mid)`), repeats dropped and cut with list functions, then one row per
 * transition — no window functions over the table, no self-join. (DuckDB's list functions, as
 * funnels.ts uses; ClickHouse has array equivalents.)
 */
import type { ActorsBehind, EventSelector, PathNode, PathsQuery, PathsResult, ResolvedRange } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { listed } from './actors-behind.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { rangeSql, resolveRange } from './sql-time.js';

/** An event point's node in SQL: a value no page id takes (page ids are never NUL-led), named by its label in answers. */
const EVENT_NODE = '\u0000event';

interface Cut {
  at: 'start' | 'end';
  page?: string;
  event?: EventSelector;
}

/** The start or end point of a parsed query (the parser accepts at most one of the four fields). */
function cutOf(query: PathsQuery): Cut | undefined {
  if (query.startPage !== undefined) return { at: 'start', page: query.startPage };
  if (query.endPage !== undefined) return { at: 'end', page: query.endPage };
  if (query.startPoint) return { at: 'start', ...query.startPoint };
  if (query.endPoint) return { at: 'end', ...query.endPoint };
  return undefined;
}

/** The label of an event point's nodes. */
function eventLabel(query: PathsQuery): string {
  const e = query.startPoint?.event ?? query.endPoint?.event;
  return e?.label ?? e?.eid ?? '';
}

/**
 * One row per (session, transition): columns sid, step, source, target (node names in SQL, the
 * event node as EVENT_NODE) and, with `actors`, actor (the actor of the target's event).
 */
function transitionsSql(query: PathsQuery, range: ResolvedRange, p: SqlParams, actors: boolean): string {
  const max = p.int(query.maxSteps ?? 5);
  const cut = cutOf(query);
  const isEvent = cut?.event ? selectorSql(cut.event, p) : undefined;
  const node = isEvent ? `CASE WHEN ${isEvent} THEN ${p.str(EVENT_NODE)} ELSE edata_pageid END` : 'edata_pageid';
  // A page view: an IMPRESSION, or PostHog's $pageview / $screen (selectorSql adds the equivalents, sinks/posthog/map.ts).
  const relevant = `(${selectorSql({ eid: 'IMPRESSION' }, p)} AND edata_pageid IS NOT NULL)${isEvent ? ` OR ${isEvent}` : ''}`;
  const order = 'ORDER BY ets, mid';
  // Node list l (and actor list a) per session; k: the positions kept, each the first of a run of equal nodes.
  const lists = `SELECT list(${node} ${order}) AS l${actors ? `, list(actor_key ${order}) AS a` : ''} FROM events
    WHERE (${relevant}) AND ${rangeSql(range, p)} AND sid IS NOT NULL AND ${filtersSql(query.filters, p)}
    GROUP BY sid`;
  const kept = `SELECT l, ${actors ? 'a, ' : ''}list_filter(range(1, len(l) + 1), i -> i = 1 OR l[i] <> l[i - 1]) AS k FROM (${lists}) AS lists`;
  const deduped = `SELECT list_transform(k, i -> l[i]) AS d${actors ? ', list_transform(k, i -> a[i]) AS a' : ''} FROM (${kept}) AS kept`;
  // w: the window of the path drawn; s0: the step of its first node minus one.
  let windowed: string;
  if (!cut) {
    windowed = `SELECT d[1:${max}] AS w, 0 AS s0${actors ? `, a[1:${max}] AS a` : ''} FROM (${deduped}) AS deduped`;
  } else {
    const at = p.str(cut.event ? EVENT_NODE : (cut.page as string));
    const from = cut.at === 'start' ? 'o' : `greatest(1, o - ${max} + 1)`;
    const to = cut.at === 'start' ? `o + ${max} - 1` : 'o';
    const s0 = cut.at === 'start' ? '0' : `${max} - (o - ${from} + 1)`;
    windowed = `SELECT d[${from}:${to}] AS w, ${s0} AS s0${actors ? `, a[${from}:${to}] AS a` : ''} FROM (
      SELECT *, list_position(d, ${at}) AS o FROM (${deduped}) AS deduped) AS found WHERE o IS NOT NULL`;
  }
  return `SELECT s0 + i AS step, w[i] AS source, w[i + 1] AS target${actors ? ', a[i + 1] AS actor' : ''} FROM (
    SELECT w, s0${actors ? ', a' : ''}, unnest(range(1, len(w))) AS i FROM (${windowed}) AS windowed) AS steps`;
}

/** Rows: (step of the source, source node, target node, sessions), strongest first. */
export function buildFor(query: PathsQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  const sql = `SELECT step, source, target, count(*) AS n FROM (${transitionsSql(query, range, p, false)}) AS t
    GROUP BY step, source, target
    ORDER BY n DESC, step, source, target
    LIMIT ${p.int(query.limit ?? 50)}`;
  return { sql, params: p.values };
}

export function build(query: PathsQuery, dialect: SqlDialect, now = Date.now()): CompiledQuery {
  return buildFor(query, resolveRange(query.dateRange, now), dialect);
}

/** A node as the answer names it: id `<step>_<page>`, or `<step>_event:<label>` for the event point's node. */
function nodeOf(step: number, name: string, query: PathsQuery): PathNode {
  if (name !== EVENT_NODE) return { id: `${step}_${name}`, step, page: name };
  const label = eventLabel(query);
  const eid = (query.startPoint?.event ?? query.endPoint?.event)?.eid ?? '';
  return { id: `${step}_event:${label}`, step, page: label, event: eid };
}

export function shape(rows: unknown[][], query: PathsQuery = { dateRange: {} }): PathsResult {
  const nodes = new Map<string, PathNode>();
  const node = (step: number, name: string) => {
    const n = nodeOf(step, name, query);
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
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
  return shape((await store.query(sql, params)).rows, query);
}

/**
 * The actors along a path: those whose sessions took the link from node `source` to node `target`
 * (node ids as the answer gives them), most such sessions first (`events`: that count), then by id;
 * `count`: how many actors in all. A link the answer would not have gives no actors.
 */
export async function pathActors(
  store: Store,
  query: PathsQuery,
  link: { source: string; target: string; limit?: number },
  now = Date.now(),
): Promise<ActorsBehind> {
  const dialect = dialectFor(store.dialect);
  const p = new SqlParams(dialect);
  const range = resolveRange(query.dateRange, now);
  // Node names of the link, matched through the ids shape() gives, so an id is never parsed by hand.
  const id = (step: string, name: string) =>
    `CASE WHEN ${name} = ${p.str(EVENT_NODE)} THEN ${step} || ${p.str(`_event:${eventLabel(query)}`)} ELSE ${step} || '_' || ${name} END`;
  const sql = `SELECT actor AS e, count(*) AS n FROM (${transitionsSql(query, range, p, true)}) AS t
    WHERE actor IS NOT NULL AND ${id('CAST(step AS VARCHAR)', 'source')} = ${p.str(link.source)}
      AND ${id('CAST(step + 1 AS VARCHAR)', 'target')} = ${p.str(link.target)}
    GROUP BY actor`;
  return listed(store, sql, p, link.limit ?? 100);
}
