/**
 * POST /api/insights/actors: who is behind a trend's point, a path's link, a stickiness or a
 * lifecycle bar (a retention cell's and a funnel step's actors are those insights' own `actors`,
 * `stepActors`, `dropOff` options). The inner `query` is the query as sent to POST
 * /api/insights/<kind>, parsed by that kind's schema.
 */
import { type Static, Type } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;
const Index = Type.Integer({ minimum: 0, maximum: 10_000 });
/** Actors listed, default 100, at most 1000; `count` always says how many there are in all. */
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
/** With the query's `breakdownCohorts`: the cohort's id, as its `breakdown` entry's `value`; absent: the whole answer. */
const CohortValue = Type.Optional(Type.String({ maxLength: 1000 }));

export const TrendActorsBody = Type.Object(
  {
    kind: Type.Literal('trends'),
    query: Type.Unknown(),
    /** Index into the query's `series`. */
    series: Index,
    /** Index into the answer's `buckets`. */
    bucket: Index,
    /** With a breakdown: the line's `breakdownValue` (null: the property absent; a cohort's id with `breakdownCohorts`). "Other" is not drillable. */
    breakdownValue: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    limit: Limit,
  },
  closed,
);
export type TrendActorsBody = Static<typeof TrendActorsBody>;

/** The actors along a path: those whose sessions went from node `source` to node `target` at step `step`. */
export const PathActorsBody = Type.Object(
  {
    kind: Type.Literal('paths'),
    query: Type.Unknown(),
    /** The link's source node id (`<step>_<page>`, as the paths answer gives it). */
    source: Type.String({ minLength: 1, maxLength: 1100 }),
    /** The link's target node id, one step after `source`. */
    target: Type.String({ minLength: 1, maxLength: 1100 }),
    breakdownValue: CohortValue,
    limit: Limit,
  },
  closed,
);
export type PathActorsBody = Static<typeof PathActorsBody>;

/** The actors of a stickiness bar: those who did series `series` in exactly `intervals` of the range's intervals. */
export const StickinessActorsBody = Type.Object(
  {
    kind: Type.Literal('stickiness'),
    query: Type.Unknown(),
    /** Index into the query's `series`. */
    series: Index,
    /** 1…N, as the answer's `intervals`. */
    intervals: Type.Integer({ minimum: 1, maximum: 10_000 }),
    breakdownValue: CohortValue,
    limit: Limit,
  },
  closed,
);
export type StickinessActorsBody = Static<typeof StickinessActorsBody>;

/** The actors of a lifecycle bar: those with status `status` in bucket `bucket` (its index in the answer's `buckets`). */
export const LifecycleActorsBody = Type.Object(
  {
    kind: Type.Literal('lifecycle'),
    query: Type.Unknown(),
    status: Type.Union([
      Type.Literal('new'),
      Type.Literal('returning'),
      Type.Literal('resurrecting'),
      Type.Literal('dormant'),
    ]),
    bucket: Index,
    breakdownValue: CohortValue,
    limit: Limit,
  },
  closed,
);
export type LifecycleActorsBody = Static<typeof LifecycleActorsBody>;

/** Each kind's body, by `kind`: the route checks a body against its own kind's schema. */
export const ACTORS_BODIES = {
  trends: TrendActorsBody,
  paths: PathActorsBody,
  stickiness: StickinessActorsBody,
  lifecycle: LifecycleActorsBody,
} as const;

export const ActorsBehindBody = Type.Union([
  TrendActorsBody,
  PathActorsBody,
  StickinessActorsBody,
  LifecycleActorsBody,
]);
export type ActorsBehindBody = Static<typeof ActorsBehindBody>;

/** The answer: actor ids (most events first, then by id) and how many there are in all. */
export interface ActorsBehind {
  count: number;
  actors: { id: string; events: number }[];
}
