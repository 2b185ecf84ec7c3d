/**
 * Funnels as PostHog (and ClickHouse's windowFunnel) define them; docs/analytics.md, Funnels.
 *
 * Each entity's events (those matching a step or an exclusion, or all of them for `strict`) are put
 * in one order: by `ets`, then `arrival_seq`, and numbered 1, 2, … (their rank). Every step-1 event
 * inside the date range starts an attempt. Step k of an attempt is matched by a different, later
 * event than step k−1 (a higher rank; two events in the same millisecond still follow each other)
 * within `windowSeconds` of the attempt's start:
 *   - `ordered`: the earliest such event matching step k (earliest is never worse for later steps);
 *   - `strict`: the very next event of the entity, which must match step k;
 *   - `any`: steps in any order; an attempt from event s reaches k steps when k different events
 *     in [s, s + window] can be given to k different steps (a maximum matching, by Hall's theorem:
 *     min over step subsets S of n − |S| + min(|S|, events matching a step of S)).
 * An attempt is void when an exclusion event lies strictly between its `fromStep` event and its
 * `toStep` event (or the end of its window when it never reached `toStep`). Each entity counts
 * once, with its attempt reaching the furthest step (the earliest such); its times and breakdown
 * value come from that attempt. Ordered and strict: list functions over one grouped scan (each entity's matching
 * events as one list, sorted after aggregating; strict checks the gaps it crosses against all events, strictListed); any: the
 * ranked events as starts, each against a slice of its entity's step masks (anyOrderStarts). No self-joins. An
 * insight's statements run one after another (runFunnels).
 */
import {
  type FunnelStep,
  type FunnelsQuery,
  type FunnelsResult,
  type ResolvedRange,
  selectorLabel,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { type CompiledQuery, dialectFor, type SqlDialect, SqlParams } from './dialect/index.js';
import { filtersSql, selectorSql } from './filters.js';
import { answerArrays, perEntityArrays } from './funnels-arrays.js';
import { breakdownGroup, ENTITY_COLUMNS, validatedProperty } from './properties.js';
import { resolveRange } from './sql-time.js';

/** One attempt's score: the steps it reached, 0 when an exclusion voids it (`p`: its step positions in L, NULL past the last). */
function scoreOf(query: FunnelsQuery): string {
  const reached = 'len(list_filter(p, x -> x IS NOT NULL))';
  const voids = (query.exclusions ?? []).map((x, j) => {
    const until = `CASE WHEN p[${x.toStep}] IS NULL THEN L[y].t <= L[p[1]].t + w ELSE y < p[${x.toStep}] END`;
    return `(p[${x.fromStep}] IS NOT NULL AND len(list_filter(X${j + 1}, y -> y > p[${x.fromStep}] AND ${until})) > 0)`;
  });
  return voids.length ? `CASE WHEN ${voids.join(' OR ')} THEN 0 ELSE ${reached} END` : reached;
}

/**
 * The attempts of `ordered`/`strict` funnels: a list of step-position lists, one per start (NULL past the last step
 * reached). Positions index L, the entity's matching events in order; `strict` also needs the next event to be the
 * very next of all the entity's events (i not in B, strictListed).
 */
function attemptsOf(query: FunnelsQuery): string {
  let attempts = 'list_transform(a1, s -> [s])';
  for (let k = 2; k <= query.steps.length; k++) {
    const prev = `p[${k - 1}]`;
    const next =
      query.stepOrder === 'strict'
        ? `CASE WHEN (L[${prev} + 1].m & ${2 ** (k - 1)}) != 0 AND NOT list_contains(B, ${prev}) AND L[${prev} + 1].t <= L[p[1]].t + w THEN ${prev} + 1 END`
        : `list_min(list_filter(a${k}, x -> x > ${prev} AND L[x].t <= L[p[1]].t + w))`;
    attempts = `list_transform(${attempts}, p -> list_append(p, CASE WHEN ${prev} IS NULL THEN NULL ELSE ${next} END))`;
  }
  return attempts;
}

/**
 * `strict` order: beside L, B lists the positions i whose next event in L is not the entity's very next event in scope
 * (a list beside L: rebuilding every element of L with a flag cost a tenth of the query).
 * Sorting every event of each entity to rank them cost 3.9 s at 10 million events (one core); instead only the gaps a
 * strict attempt can cross are checked: between an event matching step k and the next in L matching step k + 1
 * within the window (`gaps`), each looked up among the scope's events (a hash join on the entity, the gap's bounds a
 * residual condition). An event strictly inside a gap (by ets, then arrival_seq) breaks it.
 */
function strictListed(matching: string, n: number, w: string, scoped: string): string {
  // M[i].m with M[i + 1].m shifted down one step: a bit below the last step's is set when the pair follows steps.
  const followsStep = `(M[i].m & (M[i + 1].m >> 1) & ${2 ** (n - 1) - 1}) != 0 AND M[i + 1].t <= M[i].t + ${w}`;
  const gaps = `SELECT e, i, M[i].t AS t, M[i].q AS q, M[i + 1].t AS nt, M[i + 1].q AS nq FROM (
    SELECT e, M, unnest(list_filter(range(1, len(M)), i -> ${followsStep})) AS i FROM matching) AS pairs`;
  const broken = `SELECT gaps.e, list(DISTINCT gaps.i) AS B FROM gaps JOIN (${scoped}) AS x ON x.e = gaps.e
    AND x.t >= gaps.t AND x.t <= gaps.nt AND (x.t > gaps.t OR x.q > gaps.q) AND (x.t < gaps.nt OR x.q < gaps.nq)
    GROUP BY gaps.e`;
  return `WITH matching AS MATERIALIZED (${matching}), gaps AS (${gaps}), broken AS (${broken})
    SELECT matching.* EXCLUDE (M), M AS L, coalesce(B, []) AS B FROM matching LEFT JOIN broken USING (e)`;
}

/**
 * `any` order, one row per (entity, start s): the steps a maximum matching reaches among the events of
 * [s, s + window] (ranks s to z, the last rank inside it: a slice of the entity's step masks M), Hall's minimum
 * over the step subsets b, a list per start. Starts are rows of `ranked`: an unnested list of them ran out of 512 MB
 * at 10 million events. The subsets as rows of a cross join, grouped back by start, took 1.4× as long with 3 steps
 * (1,587 against 1,138 ms at 10 million events, one core) and 0.93× with 10 (42.6 against 45.7 s; both within 512 MB).
 */
function anyOrderStarts(n: number, isStart: string, to: string): string {
  const starts = `SELECT r.e, r.k AS s, r.ets AS t1, r.g, masks.M[r.k:r.z] AS mw
    FROM ranked AS r JOIN masks ON masks.e = r.e WHERE (${isStart}) AND r.ets < ${to}`;
  const hallBound = `${n} - bit_count(b) + least(bit_count(b), len(list_filter(mw, m -> (m & b) != 0)))`;
  return `SELECT e, s, t1, g, list_min(list_transform(range(1, ${2 ** n}), b -> ${hallBound})) AS reached
    FROM (${starts}) AS starts`;
}

/**
 * What both engines' funnel SQL reads, as SQL fragments over `events`: the entity column, the window `w` (ms), the
 * range's end, each step's and exclusion's condition, the breakdown value `g` (text, '' when absent), the rows in
 * scope (an entity, `ets` from the range's start to its end plus the window, the global filters) and `bits`, which
 * steps and exclusions an event matches, one bit each (step k: 2^(k−1); exclusion j: 2^(n+j−1)).
 */
export function funnelEvents(query: FunnelsQuery, range: ResolvedRange, p: SqlParams) {
  const entity = ENTITY_COLUMNS[query.aggregateBy ?? 'actor'];
  const w = p.int((query.windowSeconds ?? 14 * 86400) * 1000);
  const to = p.int(range.to);
  const steps = query.steps.map((s) => selectorSql(s, p));
  const exclusions = (query.exclusions ?? []).map((x) => selectorSql(x, p));
  const g = query.breakdown ? breakdownGroup(validatedProperty(query.breakdown.property), p) : `''`;
  const from = p.int(range.from);
  const scope = `${entity} IS NOT NULL AND ets >= ${from} AND ets < ${to} + ${w} AND ${filtersSql(query.filters, p)}`;
  // Ordered and any keep the events with m != 0 (strict keeps every event): filtering on m was faster than filtering
  // on the OR of the selectors as well (494 against 681 ms for an ordered funnel at 10 million events, side by side,
  // quiet machine).
  const bits = [...steps, ...exclusions].map((c, i) => `CASE WHEN ${c} THEN ${2 ** i} ELSE 0 END`).join(' + ');
  return { entity, w, to, steps, exclusions, g, scope, bits };
}

/**
 * The per-entity SQL: columns e (the entity), reached (steps reached; 0 when an exclusion voids every attempt), g
 * (breakdown value as text, '' when absent or voided) and t1..tn (each step's ets, NULL where not reached or voided;
 * only t1 for `any`). Voided entities stay as rows: a `WHERE reached > 0` here was pushed below the projections and
 * scored every attempt twice (strict 2.06 against 1.56 s in EXPLAIN ANALYZE at 10 million events); the answer's
 * counts and groups skip them instead.
 */
function perEntity(query: FunnelsQuery, range: ResolvedRange, p: SqlParams): string {
  const n = query.steps.length;
  const order = query.stepOrder ?? 'ordered';
  const { entity, w, to, steps, exclusions, g, scope, bits } = funnelEvents(query, range, p);
  if (order === 'any') {
    // z: the number of events up to the window's end from this one, which is the last rank inside it.
    const matched = `SELECT ${entity} AS e, ets, arrival_seq AS q, ${g} AS g, ${bits} AS m FROM events WHERE ${scope}`;
    const ranked = `SELECT *, row_number() OVER (PARTITION BY e ORDER BY ets, q) AS k,
        count(*) OVER (PARTITION BY e ORDER BY ets RANGE BETWEEN UNBOUNDED PRECEDING AND ${w} FOLLOWING) AS z FROM (
      SELECT * FROM (${matched}) AS matched WHERE m != 0) AS relevant`;
    // The step bits of m (the exclusions' are above them).
    const stepBits = 2 ** n - 1;
    // Sorted after aggregating: list(… ORDER BY k), an ordered aggregate that buffers each group's rows, made the
    // query take a fifth longer at 10 million events (3,031 against 2,544 ms, one core).
    const masks = `SELECT e, list_transform(list_sort(list({k: k, m: m & ${stepBits}})), x -> x.m) AS M FROM ranked GROUP BY e`;
    // Equal scores keep the earliest start: the greatest (reached, −s), one grouped pass (a window ranking the starts:
    // 2,544 against 2,468 ms).
    const best = `SELECT e, arg_max({reached: reached, g: g, t1: t1}, {reached: reached, s: -s}) AS b
      FROM (${anyOrderStarts(n, `(r.m & ${stepBits}) != 0`, to)}) AS scored GROUP BY e`;
    const times = Array.from({ length: n }, (_, i) => (i === 0 ? 'b.t1 AS t1' : `NULL::BIGINT AS t${i + 1}`));
    return `WITH ranked AS (${ranked}), masks AS (${masks})
      SELECT e, b.reached AS reached, b.g AS g, ${times.join(', ')} FROM (${best}) AS best`;
  }
  // Ordered and strict: each entity's matching events as one list L of {t: ets, q: arrival_seq, m: step and exclusion
  // bits}, sorted after aggregating: an ORDER BY inside the aggregate buffers every group's rows and ran out of 512 MB
  // at 10 million events with a breakdown.
  const events = `SELECT ${entity} AS e, ets AS t, arrival_seq AS q, ${g} AS g, ${bits} AS m FROM events WHERE ${scope}`;
  const firsts = `count(*) FILTER (WHERE (m & 1) != 0 AND t < ${to}) > 0`;
  // A breakdown's values (text) travel beside L, not in it: G, in the order aggregated, and ix, L's order of G
  // (list_grade_up); text in L's elements made the grouping and the sort a third slower (a breakdown by channel at 10
  // million events: 841 against 684 ms, median of 7). One row per event: funnels refuse a breakdown by tags.
  const listOf = (name: string) => {
    const rows = `FROM (${events}) AS events WHERE m != 0 GROUP BY e HAVING ${firsts}`;
    if (!query.breakdown) return `SELECT e, list_sort(list({t: t, q: q, m: m})) AS ${name} ${rows}`;
    return `SELECT e, list_select(U, ix) AS ${name}, G, ix FROM (SELECT *, list_grade_up(U) AS ix FROM (
      SELECT e, list({t: t, q: q, m: m}) AS U, list(g) AS G ${rows}) AS unsorted) AS graded`;
  };
  const scoped = `SELECT ${entity} AS e, ets AS t, arrival_seq AS q FROM events WHERE ${scope}`;
  const listed = order === 'strict' ? strictListed(listOf('M'), n, w, scoped) : listOf('L');
  const where = (bit: number, extra = '') => `list_filter(range(1, len(L) + 1), i -> (L[i].m & ${bit}) != 0${extra})`;
  const lists = [
    `${where(1, ` AND L[i].t < ${to}`)} AS a1`,
    ...steps.slice(1).map((_, i) => `${where(2 ** (i + 1))} AS a${i + 2}`),
    ...exclusions.map((_, j) => `${where(2 ** (n + j))} AS X${j + 1}`),
  ];
  const grouped = `SELECT *, ${w} AS w, ${lists.join(', ')} FROM (${listed}) AS listed`;
  const attempts = `SELECT *, list_transform(A, p -> ${scoreOf(query)}) AS S FROM (
      SELECT *, ${attemptsOf(query)} AS A FROM (${grouped}) AS per) AS tried`;
  const best = `SELECT *, list_max(S) AS reached, CASE WHEN list_max(S) > 0 THEN A[list_position(S, list_max(S))] END AS p FROM (${attempts}) AS attempts`;
  const touch =
    query.breakdownAttribution === 'last_touch'
      ? 'p[reached]'
      : `p[${query.breakdownAttribution === 'step' ? (query.breakdownAttributionStep ?? 1) : 1}]`;
  const attributed = query.breakdown ? `G[ix[${touch}]]` : `''`;
  const times = Array.from({ length: n }, (_, i) => `L[p[${i + 1}]].t AS t${i + 1}`);
  return `SELECT e, reached, coalesce(${attributed}, '') AS g, ${times.join(', ')} FROM (${best}) AS best`;
}

/**
 * The answer in one statement over one materialized per-entity CTE (each drill-down asked for used to be a statement
 * of its own, computing the funnel again). Rows: (overall = 1 for the overall row / 0 per breakdown value, g,
 * n1..nk, m2..mk median ms between steps), then on the overall row only, as asked: the entities that dropped off
 * before `dropOff.step` (reached `step - 1` but not `step`) and those that reached `stepActors.step`, each a list in
 * id order up to its limit, and the conversion-time bins: a list of [bin, lo, hi, count], ms from `fromStep` to
 * `toStep` of the entities that reached `toStep`, in `bins` equal bins from the fastest (lo) to the slowest (hi),
 * the slowest in the last bin.
 */
export function buildFor(query: FunnelsQuery, range: ResolvedRange, dialect: SqlDialect): CompiledQuery {
  const p = new SqlParams(dialect);
  // Without window functions (ClickHouse 18.16) the same rules are written over per-entity arrays (funnels-arrays.ts).
  if (!dialect.windowFunctions)
    return { sql: answerArrays(query, perEntityArrays(query, range, p), p), params: p.values };
  const n = query.steps.length;
  const counts = Array.from({ length: n }, (_, i) => `count(*) FILTER (WHERE reached >= ${i + 1}) AS n${i + 1}`);
  const medians = Array.from(
    { length: n - 1 },
    (_, i) => `${dialect.quantile(`t${i + 2} - t${i + 1}`, 0.5)} AS m${i + 2}`,
  );
  const cols = [...counts, ...medians].join(', ');
  const f = perEntity(query, range, p);
  const ids = (where: string, limit: number | undefined) =>
    `(SELECT list(e ORDER BY e) FROM (SELECT e FROM f WHERE ${where} ORDER BY e LIMIT ${p.int(limit ?? 100)}) AS ids)`;
  const extras: string[] = [];
  if (query.dropOff) extras.push(ids(`reached = ${p.int(query.dropOff.step - 1)}`, query.dropOff.limit));
  if (query.stepActors) extras.push(ids(`reached >= ${p.int(query.stepActors.step)}`, query.stepActors.limit));
  if (query.conversionTime) {
    const ct = query.conversionTime;
    const to = ct.toStep ?? n;
    const bins = p.int(ct.bins ?? 10);
    const d = `SELECT t${to} - t${ct.fromStep ?? 1} AS d FROM f WHERE reached >= ${to}`;
    const binned = `SELECT least(CAST(floor((d - lo) * ${bins} / greatest(hi - lo, 1)) AS BIGINT), ${bins} - 1) AS bin,
      lo, hi, count(*) AS c FROM (${d}) AS d, (SELECT min(d) AS lo, max(d) AS hi FROM (${d}) AS d) AS b GROUP BY ALL`;
    extras.push(`(SELECT list([bin, lo, hi, c] ORDER BY bin) FROM (${binned}) AS binned)`);
  }
  const overallExtras = extras.map((x, i) => `, ${x} AS x${i + 1}`).join('');
  let sql = `WITH f AS MATERIALIZED (${f})
SELECT 1 AS overall, '' AS g, ${cols}${overallExtras} FROM f`;
  if (query.breakdown) {
    const none = extras.map((_, i) => `, NULL AS x${i + 1}`).join('');
    // HAVING: no row for a value whose entities were all voided by an exclusion.
    sql += `\nUNION ALL\nSELECT 0 AS overall, g, ${cols}${none} FROM f GROUP BY g HAVING n1 > 0`;
  }
  return { sql, params: p.values };
}

export function build(query: FunnelsQuery, dialect: SqlDialect, now = Date.now()): CompiledQuery {
  return buildFor(query, resolveRange(query.dateRange, now), dialect);
}

function stepsOf(query: FunnelsQuery, counts: number[], medians: (number | null)[]): FunnelStep[] {
  return query.steps.map((s, i) => ({
    step: i + 1,
    label: selectorLabel(s),
    count: counts[i],
    conversionRate: counts[0] ? counts[i] / counts[0] : 0,
    stepConversionRate: i === 0 ? (counts[0] ? 1 : 0) : counts[i - 1] ? counts[i] / counts[i - 1] : 0,
    medianSecondsFromPrevious: i === 0 || medians[i - 1] === null ? null : (medians[i - 1] as number) / 1000,
  }));
}

export function shape(rows: unknown[][], query: FunnelsQuery): FunnelsResult {
  const n = query.steps.length;
  const parse = (row: unknown[]) => ({
    g: row[1] as string,
    counts: row.slice(2, 2 + n).map(Number),
    medians: row.slice(2 + n, 1 + 2 * n).map((m) => (m === null ? null : Number(m))),
  });
  const overall = rows.find((r) => Number(r[0]) === 1);
  const all = overall
    ? parse(overall)
    : { counts: query.steps.map(() => 0), medians: query.steps.slice(1).map(() => null) };
  const result: FunnelsResult = {
    aggregateBy: query.aggregateBy ?? 'actor',
    steps: stepsOf(query, all.counts, all.medians),
  };
  if (query.breakdown) {
    // Largest entry count first; past the limit, counts add up into "other" (each entity has one value) but medians do not.
    const groups = rows.filter((r) => Number(r[0]) === 0).map(parse);
    groups.sort((a, b) => b.counts[0] - a.counts[0] || a.g.localeCompare(b.g));
    const limit = query.breakdown.limit ?? 10;
    const kept = groups
      .slice(0, limit)
      .map((x) => ({ value: x.g === '' ? null : x.g, steps: stepsOf(query, x.counts, x.medians) }));
    const rest = groups.slice(limit);
    result.breakdown = kept;
    if (rest.length) {
      const counts = query.steps.map((_, i) => rest.reduce((sum, x) => sum + x.counts[i], 0));
      result.breakdown.push({
        value: null,
        other: true,
        steps: stepsOf(
          query,
          counts,
          query.steps.slice(1).map(() => null),
        ),
      });
    }
  }
  return result;
}

/** Equal bins from the conversion-time rows ([bin, lo, hi, count]); empty bins included, so the bins cover fastest to slowest. */
function conversionTimeOf(rows: unknown[][], query: FunnelsQuery): NonNullable<FunnelsResult['conversionTime']> {
  const ct = query.conversionTime ?? {};
  const fromStep = ct.fromStep ?? 1;
  const toStep = ct.toStep ?? query.steps.length;
  if (rows.length === 0) return { fromStep, toStep, bins: [] };
  const count = ct.bins ?? 10;
  const lo = Number(rows[0][1]);
  const width = Math.max(Number(rows[0][2]) - lo, 1) / count;
  const byBin = new Map(rows.map((r) => [Number(r[0]), Number(r[3])]));
  const bins = Array.from({ length: count }, (_, i) => ({
    fromSeconds: (lo + i * width) / 1000,
    toSeconds: (lo + (i + 1) * width) / 1000,
    count: byBin.get(i) ?? 0,
  }));
  return { fromStep, toStep, bins };
}

export async function runFunnels(store: Store, query: FunnelsQuery, now = Date.now()): Promise<FunnelsResult> {
  const { sql, params } = build(query, dialectFor(store.dialect), now);
  const { rows } = await store.query(sql, params);
  const result = shape(rows, query);
  // The drill-downs asked for, in buildFor's order, after the counts and medians of the overall row.
  const overall = rows.find((r) => Number(r[0]) === 1) ?? [];
  let column = 1 + 2 * query.steps.length;
  const next = () => (overall[column++] ?? []) as unknown[];
  if (query.dropOff) result.dropOff = { step: query.dropOff.step, entities: next().map(String) };
  if (query.stepActors) result.stepActors = { step: query.stepActors.step, entities: next().map(String) };
  if (query.conversionTime) result.conversionTime = conversionTimeOf(next() as unknown[][], query);
  return result;
}
