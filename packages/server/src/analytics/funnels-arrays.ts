/**
 * Funnels for an engine without window functions (ClickHouse 18.16): the same rules as funnels.ts (docs/analytics.md,
 * Funnels), over each entity's events as one sorted array of tuples, with positions 0 for "not reached" where
 * funnels.ts has NULL (18.16's arrays of Nullable do not mix with plain ones in `arrayPushBack`, and `arr[0]` is the
 * element type's default, which `coalesce(…, '')` in funnels.ts also gives). The answer has funnels.ts' columns and
 * values, so `runFunnels` reads both alike.
 *
 * Why a second text rather than one through the dialect helpers: the DuckDB text ranks `any` funnels with window
 * functions (row_number, a RANGE count), which 18.16 lacks, and its struct lists were tuned for 10 million events
 * (issue 13); rewriting it around what both engines share would change that tuned SQL. Here the ranks are array
 * positions, computed per entity after one grouped scan of `events FINAL`. Each entity's matching events are held in
 * memory as one array (and, for `strict`, every event of the entity as a second one).
 */
import type { FunnelsQuery, ResolvedRange } from '@telemetry/query';
import type { SqlParams } from './dialect/index.js';
import { funnelEvents } from './funnels.js';

/** L's tuple fields: (ets, arrival_seq, step and exclusion bits, breakdown value[, rank among all the entity's events]). */
const T = 1;
const M = 3;
const G = 4;
const K = 5;

/** Positions (1-based) in L of the events with `bit` set, and `extra` (in terms of `i`). */
function positions(bit: number, extra = ''): string {
  return `arrayFilter(i -> bitAnd(L[i].${M}, ${bit}) != 0${extra}, arrayEnumerate(L))`;
}

/**
 * Ordered and strict: per entity, every attempt (a list of step positions in L, 0 past the last reached), its score
 * (steps reached, 0 when an exclusion voids it), and the best one, as funnels.ts' attemptsOf and scoreOf.
 */
function orderedOrStrict(query: FunnelsQuery, w: string, to: string, listed: string): string {
  const n = query.steps.length;
  const withinWindow = (x: string) => `L[${x}].${T} <= L[p[1]].${T} + ${w}`;
  let attempts = 'arrayMap(s -> [toUInt64(s)], a1)';
  for (let k = 2; k <= n; k++) {
    const prev = `p[${k - 1}]`;
    const next =
      query.stepOrder === 'strict'
        ? `if(bitAnd(L[${prev} + 1].${M}, ${2 ** (k - 1)}) != 0 AND L[${prev} + 1].${K} = L[${prev}].${K} + 1 AND ${withinWindow(`${prev} + 1`)}, ${prev} + 1, 0)`
        : `arrayReduce('min', arrayFilter(x -> x > ${prev} AND ${withinWindow('x')}, a${k}))`;
    attempts = `arrayMap(p -> arrayPushBack(p, toUInt64(if(${prev} = 0, 0, ${next}))), ${attempts})`;
  }
  const reached = 'length(arrayFilter(x -> x != 0, p))';
  const voids = (query.exclusions ?? []).map((x, j) => {
    const until = `if(p[${x.toStep}] = 0, ${withinWindow('y')}, y < p[${x.toStep}])`;
    return `(p[${x.fromStep}] != 0 AND length(arrayFilter(y -> y > p[${x.fromStep}] AND ${until}, X${j + 1})) > 0)`;
  });
  const score = voids.length ? `if(${voids.join(' OR ')}, 0, ${reached})` : reached;
  const lists = [
    `${positions(1, ` AND L[i].${T} < ${to}`)} AS a1`,
    ...query.steps.slice(1).map((_, i) => `${positions(2 ** (i + 1))} AS a${i + 2}`),
    ...(query.exclusions ?? []).map((_, j) => `${positions(2 ** (n + j))} AS X${j + 1}`),
  ];
  // One SELECT: 18.16 drops a subquery's column that an outer SELECT reads only inside a lambda, but substitutes an
  // alias of the same SELECT into one. `best`: the attempt reaching furthest (the earliest such).
  const scored = `SELECT e, L, ${lists.join(', ')}, ${attempts} AS A, arrayMap(p -> ${score}, A) AS S,
    arrayReduce('max', S) AS reached, A[indexOf(S, reached)] AS best FROM (${listed}) AS listed`;
  const attributed =
    query.breakdownAttribution === 'last_touch'
      ? 'L[best[reached]]'
      : `L[best[${query.breakdownAttribution === 'step' ? (query.breakdownAttributionStep ?? 1) : 1}]]`;
  const times = Array.from(
    { length: n },
    (_, i) => `if(best[${i + 1}] = 0, NULL, L[best[${i + 1}]].${T}) AS t${i + 1}`,
  );
  return `SELECT e, toInt64(reached) AS reached, ${attributed}.${G} AS g, ${times.join(', ')} FROM (${scored}) AS scored WHERE reached > 0`;
}

/**
 * Any order, per entity: for each start s (a step event in the range), the steps a maximum matching reaches among the
 * events of [s, s + window] (positions s to z in L), Hall's minimum over the step subsets b (as funnels.ts'
 * anyOrderStarts), the subsets and their sizes written out as constant arrays (18.16 has no bitCount).
 */
function anyOrder(n: number, w: string, to: string, listed: string): string {
  const stepBits = 2 ** n - 1;
  const subsets = Array.from({ length: stepBits }, (_, i) => i + 1);
  const sizes = subsets.map((b) => b.toString(2).replaceAll('0', '').length);
  const z = `length(arrayFilter(x -> x.${T} <= L[s].${T} + ${w}, L))`;
  const window = `arraySlice(arrayMap(x -> bitAnd(x.${M}, ${stepBits}), L), s, ${z} - s + 1)`;
  const hall = `arrayReduce('min', arrayMap((b, c) -> toInt64(${n} - c + least(c, length(arrayFilter(m -> bitAnd(m, b) != 0, ${window})))),
    [${subsets.join(', ')}], [${sizes.join(', ')}]))`;
  const starts = `arrayFilter(i -> bitAnd(L[i].${M}, ${stepBits}) != 0 AND L[i].${T} < ${to}, arrayEnumerate(L))`;
  const scored = `SELECT e, L, R, arrayMap(s -> ${hall}, R) AS S FROM (SELECT e, L, ${starts} AS R FROM (${listed}) AS listed) AS starts`;
  // Equal scores keep the earliest start.
  const best = `SELECT e, L, arrayReduce('max', S) AS reached, R[indexOf(S, arrayReduce('max', S))] AS s FROM (${scored}) AS scored`;
  const times = Array.from({ length: n }, (_, i) =>
    i === 0 ? `L[s].${T} AS t1` : `CAST(NULL AS Nullable(Int64)) AS t${i + 1}`,
  );
  return `SELECT e, toInt64(reached) AS reached, L[s].${G} AS g, ${times.join(', ')} FROM (${best}) AS best WHERE reached > 0`;
}

/**
 * The per-entity SQL with funnels.ts perEntity's columns: e, reached (≥ 1), g ('' when absent), t1..tn (each step's
 * ets, NULL where not reached; only t1 for `any`).
 */
export function perEntityArrays(query: FunnelsQuery, range: ResolvedRange, p: SqlParams): string {
  const order = query.stepOrder ?? 'ordered';
  const { w, to, entity, g, scope, bits } = funnelEvents(query, range, p);
  const events = `SELECT ${entity} AS e, ets AS t, arrival_seq AS q, ${g} AS g, assumeNotNull(${bits}) AS m FROM ${p.dialect.events} WHERE ${scope}`;
  // Entities with a step-1 event in the range (any order: an event of any step); their matching events sorted by
  // (ets, arrival_seq), as funnels.ts ranks them.
  const firstBits = order === 'any' ? 2 ** query.steps.length - 1 : 1;
  const starts = `countIf(bitAnd(m, ${firstBits}) != 0 AND t < ${to}) > 0`;
  const matching = 'arraySort(groupArrayIf((t, q, m, g), m != 0))';
  if (order === 'any') {
    const listed = `SELECT e, ${matching} AS L FROM (${events}) AS events GROUP BY e HAVING ${starts}`;
    return anyOrder(query.steps.length, w, to, listed);
  }
  // Strict: each matching event's rank among all the entity's events (its position in a sorted list of them all).
  const listed =
    order === 'strict'
      ? `SELECT e, arrayMap((x, k) -> (x.1, x.2, x.3, x.4, k), Mt, arrayFilter(i -> All[i].3 != 0, arrayEnumerate(All))) AS L
        FROM (SELECT e, ${matching} AS Mt, arraySort(groupArray((t, q, m))) AS All FROM (${events}) AS events
        GROUP BY e HAVING ${starts}) AS lists`
      : `SELECT e, ${matching} AS L FROM (${events}) AS events GROUP BY e HAVING ${starts}`;
  return orderedOrStrict(query, w, to, listed);
}

/**
 * The answer with funnels.ts buildFor's columns and rows, over `f` (perEntityArrays) read once: each entity counted
 * in the overall row (overall = 1, g = '') and, with a breakdown, in its value's row (overall = 0); no row when no
 * entity entered (runFunnels reads that as zeros, as DuckDB's empty row). The drill-downs are aggregates on every row
 * (runFunnels reads the overall row's): entity lists sorted and sliced, and the conversion-time bins from each
 * group's list of durations.
 */
export function answerArrays(query: FunnelsQuery, f: string, p: SqlParams): string {
  const d = p.dialect;
  const n = query.steps.length;
  const counts = Array.from({ length: n }, (_, i) => `countIf(reached >= ${i + 1}) AS n${i + 1}`);
  const medians = Array.from({ length: n - 1 }, (_, i) => `${d.quantile(`t${i + 2} - t${i + 1}`, 0.5)} AS m${i + 2}`);
  const ids = (where: string, limit: number | undefined) =>
    `arraySlice(arraySort(groupArrayIf(e, ${where})), 1, ${p.rows(limit ?? 100)})`;
  const extras: string[] = [];
  let outer = '';
  if (query.dropOff) extras.push(ids(`reached = ${p.int(query.dropOff.step - 1)}`, query.dropOff.limit));
  if (query.stepActors) extras.push(ids(`reached >= ${p.int(query.stepActors.step)}`, query.stepActors.limit));
  if (query.conversionTime) {
    const ct = query.conversionTime;
    const to = ct.toStep ?? n;
    const bins = p.int(ct.bins ?? 10);
    extras.push(`groupArrayIf(assumeNotNull(t${to} - t${ct.fromStep ?? 1}), reached >= ${to})`);
    // As funnels.ts: bin = least(floor((d − lo) × bins / max(hi − lo, 1)), bins − 1), a row [bin, lo, hi, count] per
    // bin that has durations, in bin order.
    const D = `x${extras.length}`;
    const lo = `arrayReduce('min', ${D})`;
    const hi = `arrayReduce('max', ${D})`;
    const B = `arrayMap(v -> least(toInt64(floor((v - ${lo}) * ${bins} / greatest(${hi} - ${lo}, 1))), ${bins} - 1), ${D})`;
    outer = `arrayMap(b -> [b, ${lo}, ${hi}, toInt64(countEqual(${B}, b))], arraySort(arrayDistinct(${B})))`;
  }
  const groups = query.breakdown ? `[(1, ''), (0, g)]` : `[(1, '')]`;
  const rows = `SELECT *, arrayJoin(${groups}) AS og FROM (${f}) AS f`;
  const cols = [...counts, ...medians, ...extras.map((x, i) => `${x} AS x${i + 1}`)].join(', ');
  const grouped = `SELECT tupleElement(og, 1) AS overall, tupleElement(og, 2) AS bg, ${cols} FROM (${rows}) AS rows GROUP BY overall, bg`;
  if (!outer) return grouped;
  const names = [
    ...counts.map((_, i) => `n${i + 1}`),
    ...medians.map((_, i) => `m${i + 2}`),
    ...extras.slice(0, -1).map((_, i) => `x${i + 1}`),
  ];
  return `SELECT overall, bg, ${names.join(', ')}, ${outer} AS bins FROM (${grouped}) AS grouped`;
}
