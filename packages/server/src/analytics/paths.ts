/**
 * Paths (docs/analytics.md, Paths): page-to-page transitions from IMPRESSION `edata.pageid` (and PostHog's
 * `$pageview` / `$screen` by `$pathname` / `$screen_name`, docs/posthog.md), per
 * session, ordered by event time, then arrival order (`arrival_seq`: the one tie-break every insight uses, as funnels
 * do); a node repeated right after itself is one step.
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
 * Computed over a narrow projection of the page views (and point events) only: repeats dropped with
 * lag() (and, with a point, the views before or after it in the same window pass), then each node's
 * place and the node after it with row_number() and lead() (counted back from an end point) — two
 * window sorts, which spill to disk, so a large range stays within the memory limit (per-session
 * lists, `list(… ORDER BY …)` or sorted afterwards, ran out of 512 MB at 10 million events); no self-join. ClickHouse
 * 18.16 has no window functions: there each session's views are one sorted array (arrayTransitionsSql).
 */
import type { ActorsBehind, EventSelector, PathNode, PathsQuery, PathsResult, ResolvedRange } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { listed, NoSuchFigure } from './actors-behind.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { OVERFLOW_SIDS, pageViewSql, readTail, runsSql, sessionPathsSql, type Tail } from './session-paths.js';
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
 * The page views (and point events) of the range: columns sid, ets, q (arrival order), node and, with `actors`, actor;
 * `only`: a further condition (the sessions kept as overflow rows, session-paths.ts).
 */
function viewsSql(query: PathsQuery, range: ResolvedRange, p: SqlParams, actors: boolean, only = ''): string {
  const cut = cutOf(query);
  const isEvent = cut?.event ? selectorSql(cut.event, p) : undefined;
  const node = isEvent ? `CASE WHEN ${isEvent} THEN ${p.str(EVENT_NODE)} ELSE edata_pageid END` : 'edata_pageid';
  // A page view: an IMPRESSION, or PostHog's $pageview / $screen (selectorSql adds the equivalents, sinks/posthog/map.ts).
  const relevant = `${pageViewSql(p)}${isEvent ? ` OR ${isEvent}` : ''}`;
  const actor = actors ? ', actor_key AS actor' : '';
  return `SELECT sid, ets, arrival_seq AS q, ${node} AS node${actor} FROM ${p.dialect.events}
    WHERE (${relevant}) AND ${rangeSql(range, p)} AND sid IS NOT NULL AND ${filtersSql(query.filters, p)}${only}`;
}

/**
 * One row per (session, transition): columns step, source, target (node names in SQL, the event
 * node as EVENT_NODE) and, with `actors`, actor (the actor of the target's event). With window
 * functions (DuckDB) or, without them (ClickHouse 18.16), with each session's views as one array.
 */
function transitionsSql(query: PathsQuery, range: ResolvedRange, p: SqlParams, actors: boolean): string {
  return p.dialect.windowFunctions
    ? windowTransitionsSql(query, range, p, actors)
    : arrayTransitionsSql(query, range, p, actors);
}

/**
 * The rows of transitionsSql (without actors) from the kept session paths (session-paths.ts), for a query the kept
 * nodes answer: no filters, no event point. `tail`: as readTail read it before. A session partly in the range
 * keeps only its views inside it, as the views' filter does; the cuts and steps follow arrayTransitionsSql.
 */
function keptTransitionsSql(query: PathsQuery, range: ResolvedRange, p: SqlParams, tail: Tail): string {
  const max = p.int(query.maxSteps ?? 5);
  const cut = cutOf(query);
  const [from, to] = [p.int(range.from), p.int(range.to)];
  const inside = `first_ets >= ${from} AND last_ets < ${to}`;
  const inRange = `list_transform(list_filter(views, v -> v.ets >= ${from} AND v.ets < ${to}), v -> v.node)`;
  const sessions = `SELECT nodes, ${inside} AS inside, CASE WHEN ${inside} THEN [] ELSE ${inRange} END AS r
    FROM (${sessionPathsSql(p, tail)}) AS kept WHERE last_ets >= ${from} AND first_ets < ${to} AND NOT overflow`;
  let paths = `SELECT CASE WHEN inside THEN nodes ELSE ${runsSql('r')} END AS d FROM (${sessions}) AS sessions`;
  if (cut) {
    paths = `SELECT d, list_position(d, ${p.str(cut.page as string)}) AS pos FROM (${paths}) AS ranged`;
    // An end point: the transitions j → j + 1 up to the point (pos), step max for the point, counted back from step 1.
    if (cut.at === 'end')
      return `SELECT ${max} - pos + j AS step, d[j] AS source, d[j + 1] AS target FROM (
        SELECT d, pos, unnest(range(greatest(1, pos - ${max} + 1), pos)) AS j FROM (${paths}) AS cut WHERE pos > 0) AS kept`;
    paths = `SELECT list_slice(d, pos, len(d)) AS d FROM (${paths}) AS cut WHERE pos > 0`;
  }
  return `SELECT i AS step, d[i] AS source, d[i + 1] AS target FROM (
    SELECT d, unnest(range(1, least(len(d), ${max}))) AS i FROM (${paths}) AS paths) AS kept`;
}

/**
 * transitionsSql with two window passes over a narrow projection (the file's docstring says why not lists); `only`:
 * as viewsSql's.
 */
function windowTransitionsSql(
  query: PathsQuery,
  range: ResolvedRange,
  p: SqlParams,
  actors: boolean,
  only = '',
): string {
  const max = p.int(query.maxSteps ?? 5);
  const cut = cutOf(query);
  // Arrival order breaks equal-ets ties (docs/analytics.md, Order of events); sorting by the integer was also about
  // twice as fast at 10 million events as by `mid`, a string.
  const order = 'PARTITION BY sid ORDER BY ets, q';
  const views = viewsSql(query, range, p, actors, only);
  // A cut keeps, in the same window pass, the views from the point's first occurrence on (start: `seen`, the
  // occurrences up to this view) or up to it (end: none before this view, one in the session), so that each kept
  // session's path is numbered from its point without a third window.
  const point = cut ? p.str(cut.event ? EVENT_NODE : (cut.page as string)) : '';
  const occurrences = (frame: string) => `sum(CASE WHEN node = ${point} THEN 1 ELSE 0 END) OVER (${order} ${frame})`;
  const marks = !cut
    ? ''
    : cut.at === 'start'
      ? `, ${occurrences('ROWS UNBOUNDED PRECEDING')} AS seen`
      : `, ${occurrences('ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING')} AS before,
        ${occurrences('ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING')} AS total`;
  const kept = !cut ? '' : cut.at === 'start' ? ' AND seen > 0' : ' AND coalesce(before, 0) = 0 AND total > 0';
  // The first row of each run of equal nodes.
  const runs = `SELECT sid, ets, q, node${actors ? ', actor' : ''} FROM (
    SELECT *, lag(node) OVER (${order}) AS prev${marks} FROM (${views}) AS views) AS changes
    WHERE (prev IS NULL OR prev <> node)${kept}`;
  // i: the node's place in the session's path (counted back from the point for an end point, 1 = the point);
  // next (and its actor): the node after it.
  const end = cut?.at === 'end';
  const ordered = end ? 'PARTITION BY sid ORDER BY ets DESC, q DESC' : order;
  const after = end ? 'lag' : 'lead';
  const numbered = `SELECT sid, node, row_number() OVER (${ordered}) AS i, ${after}(node) OVER (${ordered}) AS next${
    actors ? `, ${after}(actor) OVER (${ordered}) AS actor` : ''
  } FROM (${runs}) AS runs`;
  const columns = `node AS source, next AS target${actors ? ', actor' : ''}`;
  if (!end) return `SELECT i AS step, ${columns} FROM (${numbered}) AS numbered WHERE i < ${max} AND next IS NOT NULL`;
  return `SELECT ${max} - i + 1 AS step, ${columns} FROM (${numbered}) AS numbered WHERE i >= 2 AND i <= ${max}`;
}

/**
 * transitionsSql with arrays (ClickHouse): each session's views sorted by (ets, arrival order) into one array (r, and
 * ra for their actors), the runs of equal nodes kept once (d, a), cut at the point's first occurrence (at: its place
 * in d), then the transitions j → j + 1 the window version keeps, one row each (ARRAY JOIN). The same rules, so the
 * same rows.
 */
function arrayTransitionsSql(query: PathsQuery, range: ResolvedRange, p: SqlParams, actors: boolean): string {
  const max = p.int(query.maxSteps ?? 5);
  const cut = cutOf(query);
  const views = viewsSql(query, range, p, actors);
  // ifNull: node is never NULL here (views have a page id), but its type is Nullable, and arrays compare those as NULL.
  const sorted = `SELECT arraySort(groupArray(tuple(ets, q, ifNull(node, '')${actors ? ', actor' : ''}))) AS v
    FROM (${views}) AS views GROUP BY sid`;
  const first = '(x, i) -> i = 1 OR r[i] != r[i - 1]';
  const runs = `SELECT arrayFilter(${first}, r, arrayEnumerate(r)) AS d${
    actors ? `, arrayFilter(${first}, arrayMap(x -> tupleElement(x, 4), v), arrayEnumerate(r)) AS a` : ''
  } FROM (SELECT v, arrayMap(x -> tupleElement(x, 3), v) AS r FROM (${sorted}) AS sorted) AS raw`;
  const point = cut ? p.str(cut.event ? EVENT_NODE : (cut.page as string)) : '';
  // s (and sa): the session's path from (start) or up to (end) the point; the transitions j → j + 1 kept, with their
  // step.
  const slice = (...bounds: string[]) =>
    `arraySlice(d, ${bounds.join(', ')}) AS s${actors ? `, arraySlice(a, ${bounds.join(', ')}) AS sa` : ''}`;
  const fromPoint = (sliced: string) => `SELECT ${sliced}, at FROM (
      SELECT *, indexOf(d, ${point}) AS at FROM (${runs}) AS runs) AS cut WHERE at > 0`;
  let path = `SELECT d AS s${actors ? ', a AS sa' : ''} FROM (${runs}) AS runs`;
  let transitions = `arrayFilter(j -> j < ${max} AND j < length(s), arrayEnumerate(s))`;
  let step = 'j';
  if (cut?.at === 'start') path = fromPoint(slice('at'));
  if (cut?.at === 'end') {
    path = fromPoint(slice('1', 'at'));
    // Step max for the point (at), counted back: j is step max − at + j, kept from step 1.
    transitions = `arrayFilter(j -> j < at AND ${max} - at + j >= 1, arrayEnumerate(s))`;
    step = `${max} - at + j`;
  }
  return `SELECT ${step} AS step, s[j] AS source, s[j + 1] AS target${actors ? ', sa[j + 1] AS actor' : ''}
    FROM (SELECT *, ${transitions} AS js FROM (${path}) AS path) AS kept ARRAY JOIN js AS j`;
}

/**
 * Rows: (step of the source, source node, target node, sessions), strongest first. With `tail` (readTail's), from
 * the kept session paths (keptTransitionsSql: only for a query `keptPathsAnswer` accepts).
 */
export function buildFor(query: PathsQuery, range: ResolvedRange, dialect: SqlDialect, tail?: Tail): CompiledQuery {
  const p = new SqlParams(dialect);
  let transitions =
    tail === undefined ? transitionsSql(query, range, p, false) : keptTransitionsSql(query, range, p, tail);
  // The sessions kept as overflow rows: from their views in `events`, as without kept paths.
  if (tail) transitions += ` UNION ALL ${windowTransitionsSql(query, range, p, false, ` AND ${OVERFLOW_SIDS}`)}`;
  const sql = `SELECT step, source, target, count(*) AS n FROM (${transitions}) AS t
    GROUP BY step, source, target
    ORDER BY n DESC, step, source, target
    LIMIT ${p.rows(query.limit ?? 50)}`;
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

export function shape(rows: unknown[][], query: PathsQuery): PathsResult {
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

/**
 * The most page views after the kept paths' `through` that an answer merges in itself (session-paths.ts); past it (a
 * store not yet caught up, say just after migration 17) the views are ranked as when nothing is kept, which spills to
 * disk where per-session lists of millions of views would not fit DuckDB's memory limit.
 */
const MAX_TAIL_VIEWS = 500_000;

/** Whether the kept session paths answer `query`: the store keeps them, and the query has no filters nor event point. */
function keptPathsAnswer(query: PathsQuery, dialect: SqlDialect): boolean {
  return dialect.sessionPaths && !query.filters?.length && !cutOf(query)?.event;
}

export async function runPaths(store: Store, query: PathsQuery, now = Date.now()): Promise<PathsResult> {
  const dialect = dialectFor(store.dialect);
  const tail = keptPathsAnswer(query, dialect) ? await readTail(store, MAX_TAIL_VIEWS) : undefined;
  const { sql, params } = buildFor(query, resolveRange(query.dateRange, now), dialect, tail);
  return shape((await store.query(sql, params)).rows, query);
}

/**
 * The actors along a path: those whose sessions took the link from node `source` to node `target`
 * (node ids as the answer gives them), most such sessions first (`events`: that count), then by id;
 * `count`: how many actors in all. A link the answer would not have gives no actors.
 * @throws NoSuchFigure when `source` is not a node id, or `target` not one of the next step
 */
export async function pathActors(
  store: Store,
  query: PathsQuery,
  link: { source: string; target: string; limit?: number },
  now = Date.now(),
): Promise<ActorsBehind> {
  // A link is between node ids of consecutive steps (`<step>_<page>`, as shape() names them).
  const stepOf = (id: string) => Number(/^([1-9]\d{0,4})_/.exec(id)?.[1] ?? Number.NaN);
  if (Number.isNaN(stepOf(link.source)))
    throw new NoSuchFigure(`source ${link.source} is not a node id (<step>_<page>)`);
  if (stepOf(link.target) !== stepOf(link.source) + 1) {
    throw new NoSuchFigure(
      `target ${link.target} is not a node id of the step after source's (${stepOf(link.source) + 1}_<page>)`,
    );
  }
  const dialect = dialectFor(store.dialect);
  const p = new SqlParams(dialect);
  const range = resolveRange(query.dateRange, now);
  // Node names of the link, matched through the ids shape() gives, so an id is never parsed by hand.
  const id = (step: string, name: string) =>
    `CASE WHEN ${name} = ${p.str(EVENT_NODE)} THEN ${step} || ${p.str(`_event:${eventLabel(query)}`)} ELSE ${step} || '_' || ${name} END`;
  const sql = `SELECT actor AS e, count(*) AS n FROM (${transitionsSql(query, range, p, true)}) AS t
    WHERE actor IS NOT NULL AND ${id(dialect.toText('step'), 'source')} = ${p.str(link.source)}
      AND ${id(dialect.toText('step + 1'), 'target')} = ${p.str(link.target)}
    GROUP BY actor`;
  return listed(store, sql, p, link.limit ?? 100);
}
