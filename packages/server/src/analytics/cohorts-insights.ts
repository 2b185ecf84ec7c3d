/**
 * Cohorts in insights: every cohort filter of a query gets its cohort's definition from the store, resolved against
 * the query's clock reading (filters.ts compiles it), and `breakdownCohorts` runs the insight once per cohort with
 * that cohort as a filter: one trends line, or one funnel, retention table, path graph, stickiness or lifecycle chart
 * or sessions answer per cohort. An actor in two cohorts counts in both (each line is the insight over that cohort's
 * actors, as PostHog's cohort breakdown), so lines can add up to more than the whole.
 */
import type { Cohort, Filter, InsightKind, TrendsLine, TrendsResult } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { NoSuchFigure } from './actors-behind.js';
import { getCohort, resolveCohort } from './cohorts.js';
import type { ResolvedCohortFilter } from './filters.js';

/** A query names a cohort the store does not hold; `path` as the query parser writes it (`filters[1].cohort`). */
export class NoSuchCohort extends Error {
  constructor(
    readonly path: string,
    id: string,
  ) {
    super(`${path}: no cohort with id ${id}`);
  }
}

interface WithCohorts {
  filters?: Filter[];
  breakdownCohorts?: string[];
}

async function cohortAt(store: Store, id: string, path: string): Promise<Cohort> {
  const cohort = await getCohort(store, id);
  if (!cohort) throw new NoSuchCohort(path, id);
  return cohort;
}

const filterOf = (cohort: Cohort, now: number, operator: 'in' | 'not_in' = 'in'): ResolvedCohortFilter => ({
  cohort: cohort.id,
  operator,
  resolved: resolveCohort(cohort, now),
});

/** The query with each cohort filter resolved. @throws NoSuchCohort */
export async function resolveCohortFilters<Q extends WithCohorts>(store: Store, query: Q, now: number): Promise<Q> {
  if (!query.filters?.some((f) => 'cohort' in f)) return query;
  const filters: Filter[] = [];
  for (const [i, f] of query.filters.entries()) {
    filters.push(
      'cohort' in f ? filterOf(await cohortAt(store, f.cohort, `filters[${i}].cohort`), now, f.operator) : f,
    );
  }
  return { ...query, filters };
}

/**
 * Checks that every cohort a query names (its cohort filters, its `breakdownCohorts`) exists now: a dashboard tile
 * saved with one that does not would answer nothing but its error. @throws NoSuchCohort
 */
export async function assertCohortsExist(store: Store, query: WithCohorts): Promise<void> {
  for (const [i, f] of (query.filters ?? []).entries())
    if ('cohort' in f) await cohortAt(store, f.cohort, `filters[${i}].cohort`);
  for (const [i, id] of (query.breakdownCohorts ?? []).entries()) await cohortAt(store, id, `breakdownCohorts[${i}]`);
}

/** Drill-down options answered by the whole insight, not per cohort line. */
const DRILL_DOWNS = ['stepActors', 'dropOff', 'conversionTime', 'actors'];

/** The fields of each kind's answer that a cohort's `breakdown` entry holds (trends merges lines instead). */
const BREAKDOWN_PART: Record<Exclude<InsightKind, 'trends'>, string[]> = {
  funnels: ['steps'],
  retention: ['cohorts'],
  paths: ['nodes', 'links'],
  stickiness: ['series'],
  lifecycle: ['series'],
  sessions: ['sessions', 'distribution', 'byActor', 'byPage', 'byContent'],
};

/**
 * Runs an insight with its cohorts: filters resolved, and with `breakdownCohorts` one run per cohort merged into the
 * kind's breakdown answer (trends: the lines per series then cohort, `breakdownValue` the cohort's id and
 * `breakdownLabel` its name; every other kind: `breakdown` entries with `value`, `label` and the kind's
 * BREAKDOWN_PART of that cohort's answer, beside the whole). @throws NoSuchCohort
 */
export async function runWithCohorts<Q extends WithCohorts>(
  kind: InsightKind,
  run: (store: Store, query: Q, now: number) => Promise<unknown>,
  store: Store,
  query: Q,
  now: number,
): Promise<unknown> {
  const resolved = await resolveCohortFilters(store, query, now);
  const { breakdownCohorts, ...whole } = resolved;
  if (!breakdownCohorts) return run(store, resolved, now);
  const cohorts: Cohort[] = [];
  for (const [i, id] of breakdownCohorts.entries()) cohorts.push(await cohortAt(store, id, `breakdownCohorts[${i}]`));
  const perCohort = Object.fromEntries(Object.entries(whole).filter(([k]) => !DRILL_DOWNS.includes(k)));
  const answers: unknown[] = [];
  for (const cohort of cohorts) {
    const filters = [...(whole.filters ?? []), filterOf(cohort, now)];
    answers.push(await run(store, { ...perCohort, filters } as Q, now));
  }
  const label = (i: number) => ({ value: cohorts[i].id, label: cohorts[i].name });
  if (kind === 'trends') {
    const lines = (pick: (r: TrendsResult) => TrendsLine[] | undefined) => {
      const per = answers.map((a) => pick(a as TrendsResult) ?? []);
      return per[0].flatMap((_, s) =>
        per.map((lines, c) => ({ ...lines[s], breakdownValue: cohorts[c].id, breakdownLabel: cohorts[c].name })),
      );
    };
    const first = answers[0] as TrendsResult;
    return {
      ...first,
      series: lines((r) => r.series),
      ...(first.previous ? { previous: { ...first.previous, series: lines((r) => r.previous?.series) } } : {}),
    };
  }
  const base = (await run(store, whole as Q, now)) as object;
  const part = (a: unknown) =>
    Object.fromEntries(BREAKDOWN_PART[kind].map((k) => [k, (a as Record<string, unknown>)[k]]));
  return { ...base, breakdown: answers.map((a, i) => ({ ...label(i), ...part(a) })) };
}

/**
 * The query for the actors behind a figure of one line or answer: its cohort filters resolved and, with
 * `breakdownCohorts`, the figure's `breakdownValue` (a cohort's id) becomes that cohort as a filter. Without a
 * `breakdownValue`, `whole` (every kind but trends, whose lines are all per cohort) asks for the whole answer's
 * figure. @throws NoSuchCohort, NoSuchFigure (a value naming none of the cohorts, or given with none)
 */
export async function lineQuery<Q extends WithCohorts, A extends { breakdownValue?: string | null }>(
  store: Store,
  query: Q,
  at: A,
  now: number,
  whole = false,
): Promise<{ query: Q; at: A }> {
  const resolved = await resolveCohortFilters(store, query, now);
  const { breakdownCohorts, ...rest } = resolved;
  if (!breakdownCohorts) {
    // Only a trend has lines of a property breakdown (trendActors checks it has one).
    if (whole && at.breakdownValue !== undefined) {
      throw new NoSuchFigure(`breakdownValue ${at.breakdownValue} given, but the query has no breakdownCohorts`);
    }
    return { query: resolved, at };
  }
  if (whole && at.breakdownValue === undefined) return { query: rest as Q, at };
  const i = breakdownCohorts.indexOf(at.breakdownValue ?? '');
  if (i < 0) throw new NoSuchFigure(`breakdownValue ${at.breakdownValue} is none of the query's breakdownCohorts`);
  const cohort = await cohortAt(store, breakdownCohorts[i], `breakdownCohorts[${i}]`);
  const filters = [...(rest.filters ?? []), filterOf(cohort, now)];
  return { query: { ...rest, filters } as Q, at: { ...at, breakdownValue: undefined } };
}
