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
 * positions, computed per entity after one grouped scan of `events FINAL`.
 *
 * Linear work: a lambda that reads an array it does not take as an argument (`L[i]` inside `i -> …`) makes
 * ClickHouse copy that array once per element it maps (the captured column is replicated), quadratic in an entity's
 * events: `strict` ran out of 2 GB at 1 million events. So every lambda here takes the arrays it reads as arguments
 * (`arrayMap((t, m) -> …, T, M)`); an expression that does not depend on the lambda's arguments (`length(X)`,
 * `arrayReduce('min', D)`) is computed once outside it by ClickHouse. Where a step needs "the first event of step k
 * after position p" for every attempt, it is one merge (`nextAfter`: one sort of both lists, a running sum), not a
 * search per attempt. Each entity's events are held in memory as arrays (and, for `strict`, every event of the entity
 * as a second one); `any` keeps, per step subset, one array as long as its events and starts (2^n − 1 copies).
 */
import type { FunnelsQuery, ResolvedRange } from '@telemetry/query';
import type { SqlParams } from './dialect/index.js';
import { funnelEvents } from './funnels.js';

/** Named expressions of one SELECT (18.16 substitutes an alias wherever it is named, lambdas included). */
class Aliases {
  readonly list: string[] = [];
  /** Adds `expr AS name`; gives `name`. */
  def(name: string, expr: string): string {
    this.list.push(`${expr} AS ${name}`);
    return name;
  }
}

/**
 * For each query q of `queries` (an array of positions, any order, 0 allowed), the first element of `positions` (an
 * ascending array of positive positions) greater than q, and each of `carried` (arrays parallel to `positions`) at
 * that element; 0 where there is none. Gives the names of the result arrays, each as long as `queries`:
 * [position, ...carried].
 *
 * How, in O((p + q) log(p + q)): both lists are sorted together by (value, 0 for a position / the query's index),
 * so a position equal to q sorts before q; each position carries its value minus the next one's, so a running sum
 * taken from the end is, at a query, the first position after it (the sums telescope); the answers are put back in
 * the queries' order by their index. The sort keys are unique, so every array sorted by them lines up.
 */
function nextAfter(a: Aliases, name: string, positions: string, carried: string[], queries: string): string[] {
  const keys = a.def(
    `${name}K`,
    `arrayConcat(arrayMap(x -> (toInt64(x), toUInt64(0)), ${positions}), arrayMap((x, i) -> (toInt64(x), toUInt64(i)), ${queries}, arrayEnumerate(${queries})))`,
  );
  const order = a.def(
    `${name}Q`,
    `arraySort((i, k) -> k, arrayConcat(arrayMap(x -> toUInt64(0), ${positions}), arrayMap(i -> toUInt64(i), arrayEnumerate(${queries}))), ${keys})`,
  );
  const asked = a.def(`${name}O`, `arrayFilter(i -> i != 0, ${order})`);
  return [positions, ...carried].map((values, j) => {
    const steps = `arrayMap((x, y) -> toInt64(x) - toInt64(y), ${values}, arrayPopFront(arrayPushBack(${values}, 0)))`;
    const sorted = `arraySort((d, k) -> k, arrayConcat(${steps}, arrayMap(x -> toInt64(0), ${queries})), ${keys})`;
    const fromEnd = `arrayReverse(arrayCumSum(arrayReverse(${sorted})))`;
    return a.def(
      `${name}R${j}`,
      `arraySort((v, i) -> i, arrayFilter((v, i) -> i != 0, ${fromEnd}, ${order}), ${asked})`,
    );
  });
}

/** The arrays every shape reads, by element of L: T (ets), M (step and exclusion bits), I (positions 1…). */
function columns(a: Aliases): void {
  a.def('T', 'arrayMap(x -> x.1, L)');
  a.def('M', 'arrayMap(x -> x.3, L)');
  a.def('I', 'arrayEnumerate(L)');
}

/** `array` (parallel to L) at the events with `bit` set, and `extra` (in terms of m and t, the event's bits and ets). */
function where(array: string, bit: number, extra = ''): string {
  return `arrayFilter((x, m, t) -> bitAnd(m, ${bit}) != 0${extra}, ${array}, M, T)`;
}

/**
 * Ordered and strict: per entity, every attempt (one per step-1 event in the range) as parallel arrays P1…Pn (the
 * step positions in L, 0 past the last reached), its score (steps reached, 0 when an exclusion voids it), and the
 * best one, as funnels.ts' attemptsOf and scoreOf. Step k of each attempt is the first step-k event after step
 * k − 1 (nextAfter): `ordered` takes it when it lies in the window (the first has the earliest ets, so no later one
 * can); `strict` when it is also the very next event of L and of all the entity's events (its rank K one more).
 * An exclusion voids an attempt when its first event after the `fromStep` event lies before the `toStep` event (or,
 * without one, inside the window).
 */
function orderedOrStrict(query: FunnelsQuery, w: string, to: string, listed: string): string {
  const n = query.steps.length;
  const strict = query.stepOrder === 'strict';
  // One SELECT per step (and per exclusion) over the one before, each passing on what the next reads: 18.16 expands
  // aliases into the expressions naming them, and P_k names P_(k−1) in several places (over 500,000 AST nodes at
  // four steps in one SELECT).
  let from = listed;
  let kept = ['e', 'L'];
  const layer = (a: Aliases, keep: string[]) => {
    from = `SELECT ${[...kept, ...a.list].join(', ')} FROM (${from}) AS layer`;
    kept = [...kept, ...keep];
  };
  const first = new Aliases();
  columns(first);
  if (strict) first.def('K', 'arrayMap(x -> x.5, L)');
  const inRange = ` AND t < ${to}`;
  first.def('P1', where('I', 1, inRange));
  // Each attempt's window end: its step-1 event's ets plus the window.
  first.def('W', `arrayMap(x -> x + ${w}, ${where('T', 1, inRange)})`);
  if (strict) first.def('K1', where('K', 1, inRange));
  layer(first, ['T', 'M', 'I', 'P1', 'W', ...(strict ? ['K', 'K1'] : [])]);
  for (let k = 2; k <= n; k++) {
    const a = new Aliases();
    const bit = 2 ** (k - 1);
    const carried = [where('T', bit), ...(strict ? [where('K', bit)] : [])];
    const [c, ct, ck] = nextAfter(a, `S${k}`, where('I', bit), carried, `P${k - 1}`);
    if (strict) {
      a.def(
        `P${k}`,
        `arrayMap((p, kp, c, ct, ck, lim) -> if(p != 0 AND c = p + 1 AND ck = kp + 1 AND ct <= lim, c, 0), P${k - 1}, K${k - 1}, ${c}, ${ct}, ${ck}, W)`,
      );
      a.def(`K${k}`, ck);
    } else {
      a.def(
        `P${k}`,
        `arrayMap((p, c, ct, lim) -> if(p != 0 AND c != 0 AND ct <= lim, c, 0), P${k - 1}, ${c}, ${ct}, W)`,
      );
    }
    layer(a, [`P${k}`, ...(strict ? [`K${k}`] : [])]);
  }
  const voids = (query.exclusions ?? []).map((x, j) => {
    const a = new Aliases();
    const bit = 2 ** (n + j);
    const [y, ty] = nextAfter(a, `X${j + 1}`, where('I', bit), [where('T', bit)], `P${x.fromStep}`);
    a.def(
      `V${j + 1}`,
      `arrayMap((f, u, y, ty, lim) -> f != 0 AND y != 0 AND if(u = 0, ty <= lim, y < u), P${x.fromStep}, P${x.toStep}, ${y}, ${ty}, W)`,
    );
    layer(a, [`V${j + 1}`]);
    return `V${j + 1}`;
  });
  const a = new Aliases();
  const later = Array.from({ length: n - 1 }, (_, i) => `p${i + 2}`);
  const reached = ['1', ...later.map((p) => `(${p} != 0)`)].join(' + ');
  const args = [...later, ...voids.map((_, j) => `v${j + 1}`)];
  const arrays = [...later.map((_, i) => `P${i + 2}`), ...voids];
  const score = voids.length ? `if(${args.slice(n - 1).join(' OR ')}, 0, ${reached})` : reached;
  a.def('S', `arrayMap((${args.join(', ')}) -> toInt64(${score}), ${arrays.join(', ')})`);
  // The attempt reaching furthest (the earliest such), and its step positions.
  a.def('R', `arrayReduce('max', S)`);
  a.def('B', 'indexOf(S, R)');
  const best = Array.from({ length: n }, (_, i) => `P${i + 1}[B]`);
  const attributed =
    query.breakdownAttribution === 'last_touch'
      ? `[${best.join(', ')}][R]`
      : best[(query.breakdownAttribution === 'step' ? (query.breakdownAttributionStep ?? 1) : 1) - 1];
  a.def('g', `L[${attributed}].4`);
  for (const [i, p] of best.entries()) a.def(`t${i + 1}`, `if(${p} = 0, NULL, T[${p}])`);
  // The per-entity row in the same SELECT (S, R, B go along: each SELECT level costs 18.16 more analysis than the
  // columns do).
  return `SELECT e, ${a.list.join(',\n      ')}, toInt64(R) AS reached FROM (${from}) AS layer WHERE reached > 0`;
}

/**
 * Any order, per entity: for each start s (a step event in the range), the steps a maximum matching reaches among the
 * events of [s, s + window] (positions s to z in L), Hall's minimum over the step subsets b (as funnels.ts'
 * anyOrderStarts), the subsets and their sizes written out as constant arrays (18.16 has no bitCount).
 *
 * Counts per window without a pass per start: L's events and the starts' window ends (ets + window) are sorted
 * together once (an event before an end of the same ets), as slots carrying the event's step bits, whether it is a
 * start, and whether the slot is an end. For a subset b, a running count of the events matching b is, at an end, the
 * count up to z, and at a start, less the start itself, the count before s: their difference is the window's count.
 * Each subset's pass is linear; all 2^n − 1 of them are needed (Hall's condition), as on DuckDB.
 */
function anyOrder(n: number, w: string, to: string, listed: string): string {
  const a = new Aliases();
  columns(a);
  const stepBits = 2 ** n - 1;
  const START = 2 ** 40;
  const END = 2 ** 41;
  const isStart = `bitAnd(m, ${stepBits}) != 0 AND t < ${to}`;
  a.def('R', `arrayFilter((x, m, t) -> ${isStart}, I, M, T)`);
  a.def('Z', `arrayMap(x -> x + ${w}, arrayFilter((x, m, t) -> ${isStart}, T, M, T))`);
  const keys = a.def(
    'AK',
    `arrayConcat(arrayMap((t, i) -> (t, toUInt64(0), toUInt64(i)), T, I), arrayMap((t, i) -> (t, toUInt64(1), toUInt64(i)), Z, arrayEnumerate(Z)))`,
  );
  const slots = `arrayConcat(arrayMap((m, t) -> toUInt64(bitAnd(m, ${stepBits}) + if(${isStart}, ${START}, 0)), M, T), arrayMap(x -> toUInt64(${END}), Z))`;
  a.def('SL', `arraySort((s, k) -> k, ${slots}, ${keys})`);
  const subsets = Array.from({ length: stepBits }, (_, i) => i + 1);
  const sizes = subsets.map((b) => b.toString(2).replaceAll('0', '').length);
  const hits = `arrayMap(s -> toInt64(bitAnd(s, b) != 0), SL)`;
  const upToEnd = `arrayFilter((y, s) -> bitAnd(s, ${END}) != 0, arrayCumSum(${hits}), SL)`;
  const beforeStart = `arrayFilter((y, s) -> bitAnd(s, ${START}) != 0, arrayMap((y, h) -> y - h, arrayCumSum(${hits}), ${hits}), SL)`;
  const hall = `arrayMap((b, c) -> arrayMap((u, v) -> toInt64(${n} - c + least(c, u - v)), ${upToEnd}, ${beforeStart}),
    [${subsets.join(', ')}], [${sizes.join(', ')}])`;
  a.def('S', `arrayReduce('minForEach', ${hall})`);
  // Equal scores keep the earliest start.
  a.def('B', `indexOf(S, arrayReduce('max', S))`);
  const times = Array.from({ length: n }, (_, i) =>
    i === 0 ? 'T[R[B]] AS t1' : `CAST(NULL AS Nullable(Int64)) AS t${i + 1}`,
  );
  return `SELECT e, ${a.list.join(',\n      ')}, toInt64(S[B]) AS reached, L[R[B]].4 AS g, ${times.join(', ')}
    FROM (${listed}) AS listed WHERE reached > 0`;
}

/**
 * The per-entity SQL with funnels.ts perEntity's columns: e, reached (≥ 1: entities whose every attempt an exclusion
 * voids are left out here, where funnels.ts keeps them at 0), g ('' when absent), t1..tn (each step's ets, NULL where
 * not reached; only t1 for `any`), and the working arrays beside them (answerArrays names the columns it reads).
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
      ? `SELECT e, arrayMap((x, k) -> (x.1, x.2, x.3, x.4, k), Mt, arrayFilter((i, m) -> m != 0, arrayEnumerate(All), arrayMap(x -> x.3, All))) AS L
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
    const B = `arraySort(arrayMap(v -> least(toInt64(floor((v - ${lo}) * ${bins} / greatest(${hi} - ${lo}, 1))), ${bins} - 1), ${D}))`;
    // Each bin that has durations and its count, from the sorted bins' runs (where a value differs from the one
    // before): counting each bin with countEqual in a lambda would copy the list once per bin.
    const firsts = `arrayFilter((i, d) -> i = 1 OR d != 0, arrayEnumerate(${B}), arrayDifference(${B}))`;
    const counts = `arrayPopFront(arrayDifference(arrayPushBack(${firsts}, length(${B}) + 1)))`;
    const values = `arrayFilter((b, d, i) -> i = 1 OR d != 0, ${B}, arrayDifference(${B}), arrayEnumerate(${B}))`;
    outer = `arrayMap((b, c) -> [b, ${lo}, ${hi}, toInt64(c)], ${values}, ${counts})`;
  }
  const groups = query.breakdown ? `[(1, ''), (0, g)]` : `[(1, '')]`;

  const cols = [...counts, ...medians, ...extras.map((x, i) => `${x} AS x${i + 1}`)].join(', ');
  const grouped = `SELECT tupleElement(og, 1) AS overall, tupleElement(og, 2) AS bg, ${cols} FROM (${f}) AS f ARRAY JOIN ${groups} AS og GROUP BY overall, bg`;
  if (!outer) return grouped;
  const names = [
    ...counts.map((_, i) => `n${i + 1}`),
    ...medians.map((_, i) => `m${i + 2}`),
    ...extras.slice(0, -1).map((_, i) => `x${i + 1}`),
  ];
  return `SELECT overall, bg, ${names.join(', ')}, ${outer} AS bins FROM (${grouped}) AS grouped`;
}
