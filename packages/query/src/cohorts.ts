/**
 * Cohorts: saved sets of actors (by their actor key), defined by what they did or by a property of their events, and
 * counted again at every use (docs/analytics.md, Cohorts). The definition grammar (TypeBox: the type, the runtime
 * check and the JSON Schema from one source), its parser (paths, operators, periods) and the answer shapes.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { ActorsBehind } from './actors.js';
import { Checker, type QueryError, type ResolvedBounds, schemaErrors } from './parse.js';
import { DateRange, Digits, EventSelector, Name, PropertyFilter, QueryString } from './schemas.js';

const closed = { additionalProperties: false } as const;

/**
 * Did (`did`, default true) or did not do `eid` (with its `filters`; `$all`: any event) at least `atLeast` times
 * (default 1; with did only) within `period` (default: all stored time; relative periods such as `{"from": "-30d"}`
 * end now, resolved when the cohort is used).
 */
export const BehaviourCriterion = Type.Object(
  {
    type: Type.Literal('behaviour'),
    eid: EventSelector.properties.eid,
    filters: EventSelector.properties.filters,
    did: Type.Optional(Type.Boolean()),
    atLeast: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    period: Type.Optional(DateRange),
  },
  closed,
);
export type BehaviourCriterion = Static<typeof BehaviourCriterion>;

/** Has at least one event (within `period`, default all time) whose property matches, e.g. `cdata.School eq S1`. */
export const PropertyCriterion = Type.Object(
  {
    type: Type.Literal('property'),
    property: PropertyFilter.properties.property,
    operator: PropertyFilter.properties.operator,
    value: PropertyFilter.properties.value,
    period: Type.Optional(DateRange),
  },
  closed,
);
export type PropertyCriterion = Static<typeof PropertyCriterion>;

export const CohortCriterion = Type.Union([BehaviourCriterion, PropertyCriterion]);
export type CohortCriterion = Static<typeof CohortCriterion>;

/** An actor is in the cohort when all (`match: "all"`, default) or any of the criteria hold. */
export const CohortDefinition = Type.Object(
  {
    match: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')])),
    criteria: Type.Array(CohortCriterion, { minItems: 1, maxItems: 20 }),
  },
  closed,
);
export type CohortDefinition = Static<typeof CohortDefinition>;

/** POST /api/cohorts and PUT /api/cohorts/:id. */
export const CohortBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    definition: CohortDefinition,
  },
  closed,
);
export type CohortBody = Static<typeof CohortBody>;

/** GET /api/cohorts/:id/actors query string: `limit` (1 to 1000, default 100) actors from `offset` (default 0). */
export const CohortActorsParams = QueryString({
  limit: Digits(4, '1 to 1000'),
  offset: Digits(9, 'a whole number'),
});
export type CohortActorsParams = Static<typeof CohortActorsParams>;

/** A saved cohort as the API answers it; `count` (actors in it now) where asked for. */
export interface Cohort extends CohortBody {
  id: string;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  count?: number;
}

/** GET /api/cohorts/:id/actors: the drill-down's actor list (most events first, then by id), a page of it. */
export interface CohortActors extends ActorsBehind {
  offset: number;
}

/** A criterion with its period resolved to epoch ms (`from`, `to`: null for an open end), ready to compile. */
export type ResolvedCriterion = (
  | { type: 'behaviour'; eid: string; filters?: PropertyFilter[]; did: boolean; atLeast: number }
  | { type: 'property'; filter: PropertyFilter }
) & { from: number | null; to: number | null };

export interface ResolvedCohort {
  match: 'all' | 'any';
  criteria: ResolvedCriterion[];
}

export type CohortParse = { ok: true; value: ResolvedCohort } | { ok: false; errors: QueryError[] };

/**
 * Checks a cohort definition (the schema, then property paths, operators and periods) and resolves its periods
 * against `now` (epoch ms). Errors name their path from the definition, e.g. `criteria[1].period.from`.
 */
export function parseCohortDefinition(definition: unknown, now: number): CohortParse {
  const errors = schemaErrors(CohortDefinition, definition);
  if (errors.length) return { ok: false, errors };
  const d = definition as CohortDefinition;
  const c = new Checker(now);
  const criteria = d.criteria.map((x, i): ResolvedCriterion => {
    const where = `criteria[${i}]`;
    const b: ResolvedBounds = x.period
      ? c.bounds(x.period, `${where}.period`, null, false)
      : { from: null, to: null, timezone: 'UTC' };
    const at = { from: b.from, to: b.to };
    if (x.type === 'property') {
      const { type: _t, period: _p, ...f } = x;
      return { type: 'property', filter: c.filter(f, where), ...at };
    }
    const did = x.did ?? true;
    if (!did && x.atLeast !== undefined) c.fail(`${where}.atLeast`, 'is for did: true only (did not is none at all)');
    const filters = c.filters(x.filters, `${where}.filters`);
    return { type: 'behaviour', eid: x.eid, ...(filters ? { filters } : {}), did, atLeast: x.atLeast ?? 1, ...at };
  });
  return c.errors.length ? { ok: false, errors: c.errors } : { ok: true, value: { match: d.match ?? 'all', criteria } };
}
