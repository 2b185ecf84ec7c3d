/**
 * POST /api/insights/actors: who is behind a trend's point, a path's link, a stickiness or a
 * lifecycle bar (a retention cell's and a funnel step's actors are those insights' own `actors`,
 * `stepActors`, `dropOff` options). The inner `query` is the query as sent to POST
 * /api/insights/<kind>, parsed by that kind's schema.
 */
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { ListLimit } from './schemas.js';

const Index = Type.Integer({ minimum: 0, maximum: 10_000 });
/** With the query's `breakdownCohorts`: the cohort's id, as its `breakdown` entry's `value`; absent: the whole answer. */
const CohortValue = Type.Optional(Type.String({ maxLength: 1000 }));

/**
 * The body asking who is behind one figure of a `kind` answer: the `query` as sent, the figure's own fields, its
 * line's `breakdownValue`, and `limit`: actors listed, default 100, at most 1000 (`count` always says how many there
 * are in all).
 */
function figureBody<K extends string, F extends TProperties, B extends TSchema>(kind: K, figure: F, breakdownValue: B) {
  return Type.Object(
    { kind: Type.Literal(kind), query: Type.Unknown(), ...figure, breakdownValue, limit: ListLimit },
    { additionalProperties: false },
  );
}

/** Each kind's body, by `kind`: the route checks a body against its own kind's schema. */
export const ACTORS_BODIES = {
  /** The actors behind a trend's point: series `series`, bucket `bucket`. */
  trends: figureBody(
    'trends',
    {
      /** Index into the query's `series`. */
      series: Index,
      /** Index into the answer's `buckets`. */
      bucket: Index,
    },
    /** With a breakdown: the line's `breakdownValue` (null: the property absent; a cohort's id with `breakdownCohorts`). "Other" is not drillable. */
    Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  ),
  /** The actors along a path: those whose sessions went from node `source` to node `target` at step `step`. */
  paths: figureBody(
    'paths',
    {
      /** The link's source node id (`<step>_<page>`, as the paths answer gives it). */
      source: Type.String({ minLength: 1, maxLength: 1100 }),
      /** The link's target node id, one step after `source`. */
      target: Type.String({ minLength: 1, maxLength: 1100 }),
    },
    CohortValue,
  ),
  /** The actors of a stickiness bar: those who did series `series` in exactly `intervals` of the range's intervals. */
  stickiness: figureBody(
    'stickiness',
    {
      /** Index into the query's `series`. */
      series: Index,
      /** 1…N, as the answer's `intervals`. */
      intervals: Type.Integer({ minimum: 1, maximum: 10_000 }),
    },
    CohortValue,
  ),
  /** The actors of a lifecycle bar: those with status `status` in bucket `bucket` (its index in the answer's `buckets`). */
  lifecycle: figureBody(
    'lifecycle',
    {
      status: Type.Union([
        Type.Literal('new'),
        Type.Literal('returning'),
        Type.Literal('resurrecting'),
        Type.Literal('dormant'),
      ]),
      bucket: Index,
    },
    CohortValue,
  ),
} as const;
export type TrendActorsBody = Static<typeof ACTORS_BODIES.trends>;
export type PathActorsBody = Static<typeof ACTORS_BODIES.paths>;
export type StickinessActorsBody = Static<typeof ACTORS_BODIES.stickiness>;
export type LifecycleActorsBody = Static<typeof ACTORS_BODIES.lifecycle>;

export const ActorsBehindBody = Type.Union(Object.values(ACTORS_BODIES));
export type ActorsBehindBody = Static<typeof ActorsBehindBody>;

/** The answer: actor ids (most events first, then by id) and how many there are in all. */
export interface ActorsBehind {
  count: number;
  actors: { id: string; events: number }[];
}
