/**
 * POST /api/insights/actors: who is behind a trend's point (a retention cell's and a funnel step's
 * actors are those insights' own `actors`, `stepActors`, `dropOff` options). The inner `query` is
 * the trend's query as sent to POST /api/insights/trends, parsed by its schema.
 */
import { type Static, Type } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;
const Index = Type.Integer({ minimum: 0, maximum: 10_000 });
/** Actors listed, default 100, at most 1000; `count` always says how many there are in all. */
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));

export const TrendActorsBody = Type.Object(
  {
    kind: Type.Literal('trends'),
    query: Type.Unknown(),
    /** Index into the query's `series`. */
    series: Index,
    /** Index into the answer's `buckets`. */
    bucket: Index,
    /** With a breakdown: the line's `breakdownValue` (null: the property absent). "Other" is not drillable. */
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
    limit: Limit,
  },
  closed,
);
export type PathActorsBody = Static<typeof PathActorsBody>;

export const ActorsBehindBody = Type.Union([TrendActorsBody, PathActorsBody]);
export type ActorsBehindBody = Static<typeof ActorsBehindBody>;

/** The answer: actor ids (most events first, then by id) and how many there are in all. */
export interface ActorsBehind {
  count: number;
  actors: { id: string; events: number }[];
}
