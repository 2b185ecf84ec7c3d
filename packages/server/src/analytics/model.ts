/**
 * The insight query model: JSON documents (like PostHog's insight queries) that the API accepts and
 * the insight builders compile to SQL. `validate.ts` turns an unknown body into one of these.
 */
import type { Interval } from './time.js';

export type { Interval } from './time.js';

export type FilterOperator =
  | 'eq'
  | 'neq'
  | 'in'
  | 'not_in'
  | 'contains'
  | 'not_contains'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'is_set'
  | 'is_not_set';

export const FILTER_OPERATORS: readonly FilterOperator[] = [
  'eq',
  'neq',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'gt',
  'gte',
  'lt',
  'lte',
  'is_set',
  'is_not_set',
];

/** A condition on one property path (see properties.ts), e.g. `{property: 'edata.id', operator: 'eq', value: 'submit'}`. */
export interface PropertyFilter {
  property: string;
  operator: FilterOperator;
  /** A string or number; a list for `in`/`not_in`; absent for `is_set`/`is_not_set`. */
  value?: string | number | (string | number)[];
}

/**
 * `from`/`to`: `-7d`, `-24h`, `-2w`, `-3m`, `-1y`, `now`, a date `2024-01-31` (an end date is included),
 * a local date-time `2024-01-31T13:00`, or an instant with `Z`/offset. `to` defaults to now.
 */
export interface DateRange {
  from: string;
  to?: string;
  /** IANA zone for dates, buckets and relative ranges. Default `UTC`. */
  timezone?: string;
}

/** One event name with optional filters: a trends series, a funnel step, a retention event. */
export interface EventSelector {
  eid: string;
  filters?: PropertyFilter[];
  /** Shown in the answer; default the eid. */
  label?: string;
}

export type TrendsMath =
  | 'total'
  | 'unique_actors'
  | 'unique_devices'
  | 'unique_sessions'
  | 'sum'
  | 'avg'
  | 'median'
  | 'p90'
  | 'dau'
  | 'wau'
  | 'mau';

export const TRENDS_MATH: readonly TrendsMath[] = [
  'total',
  'unique_actors',
  'unique_devices',
  'unique_sessions',
  'sum',
  'avg',
  'median',
  'p90',
  'dau',
  'wau',
  'mau',
];

/** Math that needs a numeric `property`. */
export const PROPERTY_MATH: readonly TrendsMath[] = ['sum', 'avg', 'median', 'p90'];

export interface TrendsSeries extends EventSelector {
  /** Default `total`. */
  math?: TrendsMath;
  /** The numeric property for sum/avg/median/p90, e.g. `edata.duration`. */
  property?: string;
}

export interface Breakdown {
  property: string;
  /** Values kept, the rest folded into "other". Default 10, at most 100. */
  limit?: number;
}

/** Who is counted: `actor.id`, `context.did` or `context.sid`. */
export type Aggregation = 'actor' | 'device' | 'session';

export interface TrendsQuery {
  series: TrendsSeries[];
  dateRange: DateRange;
  /** Default `day`. */
  interval?: Interval;
  /** Applied to every series. */
  filters?: PropertyFilter[];
  breakdown?: Breakdown;
  /** Also answer the same-length period just before. */
  compare?: boolean;
}

export interface FunnelsQuery {
  /** 2 to 10 ordered steps. */
  steps: EventSelector[];
  dateRange: DateRange;
  /** From the first step, in seconds. Default 14 days. */
  windowSeconds?: number;
  /** Default `actor`. */
  aggregateBy?: Aggregation;
  filters?: PropertyFilter[];
  /** A property of the first-step event (first-touch attribution). */
  breakdown?: Breakdown;
  /** List who reached step n-1 but not step n (n ≥ 2). */
  dropOff?: { step: number; limit?: number };
}

export interface RetentionQuery {
  /** The cohort is formed by each entity's first occurrence of this event. */
  startEvent: EventSelector;
  /** Returning means doing this event in a later period. */
  returnEvent: EventSelector;
  /** Default `day`. */
  period?: 'day' | 'week' | 'month';
  /** Periods shown, including period 0. Default 8, at most 60. */
  periods?: number;
  dateRange: DateRange;
  /** Default `actor`. */
  aggregateBy?: 'actor' | 'device';
  filters?: PropertyFilter[];
}

export interface PathsQuery {
  dateRange: DateRange;
  /** Paths start at the first view of this page in each session. */
  startPage?: string;
  /** Paths end at the first view of this page in each session. */
  endPage?: string;
  /** Steps per path. Default 5, at most 10. */
  maxSteps?: number;
  /** Links kept, strongest first. Default 50, at most 500. */
  limit?: number;
  filters?: PropertyFilter[];
}

export interface StickinessQuery {
  series: EventSelector[];
  dateRange: DateRange;
  /** Default `day`. */
  interval?: 'day' | 'week' | 'month';
  /** Default `actor`. */
  aggregateBy?: 'actor' | 'device';
  filters?: PropertyFilter[];
}

export interface LifecycleQuery {
  event: EventSelector;
  dateRange: DateRange;
  /** Default `day`. */
  interval?: Interval;
  filters?: PropertyFilter[];
}
