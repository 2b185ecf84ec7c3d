/**
 * The answer of each insight, as the API sends it (camelCase keys) and the dashboard reads it.
 * Worked examples are in docs/analytics.md and docs/sessions.md.
 */
import type { Aggregation, InsightKind, TrendsMath } from './schemas.js';
import type { Interval } from './time.js';

export interface TrendsLine {
  /** The query series this line belongs to, by place (0: series A, 1: B …); a breakdown gives a series several lines. */
  seriesIndex: number;
  label: string;
  eid: string;
  math: TrendsMath;
  /** The breakdown value (null: the property is absent); only with a breakdown. */
  breakdownValue?: string | null;
  /** With `breakdownCohorts`: the cohort's name (`breakdownValue` is its id). */
  breakdownLabel?: string;
  /** True for the line folding every value outside the top N. */
  other?: boolean;
  data: (number | null)[];
  /** Sum of `data`, for total and sum math (distinct counts do not add up across buckets). */
  total?: number;
  /** Query `aggregate: "range"`: the math over the whole range at once (null: none, or wau/mau). */
  aggregated?: number | null;
}

export interface TrendsPeriod {
  buckets: string[];
  from: string;
  to: string;
  series: TrendsLine[];
  /** Query `formula`: its value per bucket from the series' values (null where a divisor is 0 or a value missing). */
  formula?: { expression: string; data: (number | null)[]; aggregated?: number | null };
}

export interface TrendsResult extends TrendsPeriod {
  interval: Interval;
  timezone: string;
  previous?: TrendsPeriod;
}

export interface FunnelStep {
  step: number;
  label: string;
  count: number;
  /** count / entered. */
  conversionRate: number;
  /** count / previous step's count. */
  stepConversionRate: number;
  /** Median seconds from the previous step, among those who reached this one; null for step 1 or none. */
  medianSecondsFromPrevious: number | null;
}

export interface FunnelsResult {
  aggregateBy: Aggregation;
  steps: FunnelStep[];
  /** With `breakdownCohorts`: `value` is a cohort's id, `label` its name. */
  breakdown?: { value: string | null; label?: string; other?: boolean; steps: FunnelStep[] }[];
  dropOff?: { step: number; entities: string[] };
  /** Who reached step `step` (query `stepActors`), in id order. */
  stepActors?: { step: number; entities: string[] };
  /** Query `conversionTime`: entities by seconds from `fromStep` to `toStep`, in equal bins from the fastest to the slowest. */
  conversionTime?: {
    fromStep: number;
    toStep: number;
    bins: { fromSeconds: number; toSeconds: number; count: number }[];
  };
  /** Query `compare`: the same query's answer over the period just before. */
  previous?: Omit<FunnelsResult, 'previous'>;
}

export interface RetentionCohort {
  /** The cohort's period start (local date). */
  cohort: string;
  size: number;
  /** Entities retained in period 0, 1, …; only periods that have begun before the range ends. */
  values: number[];
  /** values / size. */
  rates: number[];
}

export interface RetentionResult {
  period: 'day' | 'week' | 'month';
  cohorts: RetentionCohort[];
  /** Query `breakdown`: the same table per value of the property (largest total cohort size first, then "other"). */
  breakdown?: { value: string | null; label?: string; other?: boolean; cohorts: RetentionCohort[] }[];
  /** Query `actors`: the entities of one cell, in id order. */
  actors?: { cohort: string; period: number; entities: string[] };
  /** Query `compare`: the same query's answer over the period just before. */
  previous?: Omit<RetentionResult, 'previous'>;
}

export interface PathNode {
  /** `<step>_<page>` (`<step>_event:<label>` for an event node). */
  id: string;
  step: number;
  /** The page id, or for an event node (a `startPoint`/`endPoint` event) its label. */
  page: string;
  /** An event node only: the eid of the start or end point's event. */
  event?: string;
}

export interface PathLink {
  source: string;
  target: string;
  /** Sessions taking this transition at this step. */
  value: number;
}

/** Query `breakdownCohorts` (paths, stickiness, lifecycle, sessions): per cohort, its id, its name and its answer. */
export type CohortBreakdown<Part> = ({ value: string; label: string } & Part)[];

export interface PathsResult {
  nodes: PathNode[];
  links: PathLink[];
  breakdown?: CohortBreakdown<Pick<PathsResult, 'nodes' | 'links'>>;
}

export interface StickinessResult {
  interval: 'day' | 'week' | 'month';
  /** 1…N: the number of active intervals. */
  intervals: number[];
  /** data[i] = entities active in exactly intervals[i] intervals. */
  series: { label: string; eid: string; data: number[] }[];
  breakdown?: CohortBreakdown<Pick<StickinessResult, 'series'>>;
  /** Query `compare`: the same query's answer over the period just before. */
  previous?: Omit<StickinessResult, 'previous'>;
}

export type LifecycleStatus = 'new' | 'returning' | 'resurrecting' | 'dormant';

export interface LifecycleResult {
  interval: Interval;
  buckets: string[];
  series: Record<LifecycleStatus, number[]>;
  breakdown?: CohortBreakdown<Pick<LifecycleResult, 'series'>>;
  /** Query `compare`: the same query's answer over the period just before. */
  previous?: Omit<LifecycleResult, 'previous'>;
}

/** Counts and seconds of time spent over a set of summaries. */
export interface TimeStats {
  count: number;
  /** Seconds, rounded to 2 decimals. */
  timeSpent: number;
  avg: number;
  median: number;
}

/** The sessions insight's answer (camelCase). */
export interface SessionsAnswer {
  sessions: TimeStats & { actors: number };
  /** Sessions per bucket `[from, to)` of time spent in seconds; the last `to` is null. */
  distribution: { from: number; to: number | null; sessions: number }[];
  byActor: (TimeStats & { actorId: string })[];
  byPage: (TimeStats & { pageid: string })[];
  byContent: (TimeStats & { objectId: string })[];
  breakdown?: CohortBreakdown<Omit<SessionsAnswer, 'breakdown'>>;
}

/** Deprecated for one release: the sessions answer with its first snake_case keys. */
export interface LegacySessionsAnswer {
  sessions: LegacyTimeStats & { actors: number };
  distribution: SessionsAnswer['distribution'];
  by_actor: (LegacyTimeStats & { actor_id: string })[];
  by_page: (LegacyTimeStats & { pageid: string })[];
  by_content: (LegacyTimeStats & { object_id: string })[];
}
type LegacyTimeStats = Omit<TimeStats, 'timeSpent'> & { time_spent: number };

/** The data-quality answer: rejected events counted by reason, eid, channel, app version and day. */
export interface FailedSummary {
  /** Epoch ms bounds of the receive times counted, `[from, to)`. */
  from: number;
  to: number;
  total: number;
  byReason: { value: string; count: number }[];
  byEid: { value: string | null; count: number }[];
  byChannel: { value: string | null; count: number }[];
  /** `context.pdata.id@context.pdata.ver` of the rejected event, when it could be read. */
  byAppVersion: { value: string | null; count: number }[];
  /** Rejections per UTC day (`2024-05-01`) and reason. */
  byDay: { day: string; reason: string; count: number }[];
}

/** A saved dashboard with its insights, in their order (GET /api/dashboards). */
export interface Dashboard {
  id: string;
  name: string;
  /** Epoch ms. */
  createdAt: number;
  insights: { id: string; name: string; kind: InsightKind; query: unknown; layout?: TileLayout }[];
}

/** Where a saved insight sits on its dashboard's grid: column, row, width, height in grid cells (12 columns). */
export interface TileLayout {
  x: number;
  y: number;
  w: number;
  h: number;
}
