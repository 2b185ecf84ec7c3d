/**
 * Every insight query as one TypeBox declaration each: the TypeScript type (`Static`), the runtime
 * check and the JSON Schema the server's routes use, from the same source. Keys are camelCase;
 * every object is closed (`additionalProperties: false`), so an unknown key is refused with its path.
 * Defaults are applied by the parser (parse.ts), not here, so a schema never rewrites a body.
 */
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/** Also answer the same query over the period just before (`previous`, the same length; as trends' compare). */
const Compare = Type.Optional(Type.Boolean());
/** Entities (actors, devices, …) listed by a drill-down, or rows per list: 1 to 1000. */
export const ListLimit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
/** A query string's parameters: each optional, no others. */
export const QueryString = <T extends TProperties>(fields: T) => Type.Partial(Type.Object(fields, closed));
/** A whole number of at most `digits` digits written in a query string; its bounds are checked where it is read. */
export const Digits = (digits: number, description: string) =>
  Type.String({ pattern: `^[0-9]{1,${digits}}$`, description });

/** Any free text in a query (eids, labels, page ids, dates): 1 to 1000 characters. */
const Text = Type.String({ minLength: 1, maxLength: 1000 });
/** A property path such as `edata.id`, `cdata.School`, `tags`; at most 200 characters. */
const PropertyPath = Type.String({ minLength: 1, maxLength: 200 });
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number()]);

function oneOf<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  ) as unknown as TSchema & { static: T[number] };
}

export const FILTER_OPERATORS = [
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
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const TRENDS_MATH = [
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
  'min',
  'max',
  'p95',
  'p99',
  'avg_count_per_actor',
  'min_count_per_actor',
  'max_count_per_actor',
  'median_count_per_actor',
  'p90_count_per_actor',
  'p95_count_per_actor',
  'p99_count_per_actor',
] as const;
export type TrendsMath = (typeof TRENDS_MATH)[number];
/** Math that needs a numeric `property`. */
export const PROPERTY_MATH: readonly TrendsMath[] = ['sum', 'avg', 'median', 'p90', 'min', 'max', 'p95', 'p99'];
/** The eid that matches every event (an "all events" series or step). */
export const ALL_EVENTS = '$all';

/** The name an answer gives a series or step: its label, else its eid (`$all`: "All events", as PostHog names it). */
export function selectorLabel(selector: { eid: string; label?: string }): string {
  return selector.label ?? (selector.eid === ALL_EVENTS ? 'All events' : selector.eid);
}

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export const PERIODS = ['day', 'week', 'month'] as const;

/** A condition on one property path, e.g. `{property: 'edata.id', operator: 'eq', value: 'submit'}`. */
export const PropertyFilter = Type.Object(
  {
    property: PropertyPath,
    operator: oneOf(FILTER_OPERATORS),
    /** A string or number; a list for `in`/`not_in`; absent for `is_set`/`is_not_set`. */
    value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { minItems: 1, maxItems: 100 })])),
  },
  closed,
);
export type PropertyFilter = Static<typeof PropertyFilter>;

const Filters = Type.Array(PropertyFilter, { maxItems: 20 });

/** A saved cohort's id (POST /api/cohorts answers it). */
export const CohortId = Type.String({ minLength: 1, maxLength: 100 });

/**
 * Events whose actor (actor_key) is (`in`, default) or is not (`not_in`) in a saved cohort now, e.g.
 * `{cohort: "…id…"}`; `not_in` also keeps events without an actor. In an insight's `filters` only.
 */
export const CohortFilter = Type.Object(
  { cohort: CohortId, operator: Type.Optional(oneOf(['in', 'not_in'] as const)) },
  closed,
);
export type CohortFilter = Static<typeof CohortFilter>;
/** One filter of an insight's `filters`: on a property, or on cohort membership. */
export type Filter = PropertyFilter | CohortFilter;
const QueryFilters = Type.Array(Type.Union([PropertyFilter, CohortFilter]), { maxItems: 20 });
/**
 * One line (trends) or one answer (every other kind, in `breakdown`) per saved cohort, each the insight over that
 * cohort's actors; an actor in two cohorts counts in both. Not with `breakdown`.
 */
const BreakdownCohorts = Type.Array(CohortId, { minItems: 1, maxItems: 10 });
/** The last fields of the insights without a property breakdown (paths, stickiness, lifecycle). */
const cohortFields = { filters: Type.Optional(QueryFilters), breakdownCohorts: Type.Optional(BreakdownCohorts) };

/**
 * The one date-range grammar of every insight. `from`/`to`: `-7d`, `-24h`, `-2w`, `-3m`, `-1y`,
 * `now`, a date `2024-01-31` (an end date is included), a local date-time `2024-01-31T13:00`, or
 * an instant with `Z`/offset; `to` defaults to now. `timezone`: IANA, default `UTC`, for dates,
 * buckets and relative ranges. Resolved to `[from, to)` epoch ms by `parseInstant` (time.ts), which
 * refuses dates and times that do not exist and clamps `-3m`/`-1y` to the end of a shorter month.
 */
export const DateRange = Type.Object(
  { from: Type.Optional(Text), to: Type.Optional(Text), timezone: Type.Optional(Text) },
  closed,
);
export type DateRange = Static<typeof DateRange>;

const selectorFields = {
  eid: Text,
  /** Shown in the answer; default the eid. */
  label: Type.Optional(Text),
  filters: Type.Optional(Filters),
};
/** One event name with optional filters: a funnel step, a retention event, a stickiness series. */
export const EventSelector = Type.Object(selectorFields, closed);
export type EventSelector = Static<typeof EventSelector>;

export const TrendsSeries = Type.Object(
  {
    ...selectorFields,
    /** Default `total`. */
    math: Type.Optional(oneOf(TRENDS_MATH)),
    /** The numeric property for sum/avg/median/p90, e.g. `edata.duration`. */
    property: Type.Optional(PropertyPath),
  },
  closed,
);
export type TrendsSeries = Static<typeof TrendsSeries>;

/** Values kept (default 10, at most 100), the rest folded into "other". */
export const Breakdown = Type.Object(
  { property: PropertyPath, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
  closed,
);
export type Breakdown = Static<typeof Breakdown>;

/** Who is counted: `actor.id`, `context.did` or `context.sid`. */
export const AGGREGATIONS = ['actor', 'device', 'session'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const TrendsQuery = Type.Object(
  {
    series: Type.Array(TrendsSeries, { minItems: 1, maxItems: 10 }),
    dateRange: DateRange,
    /** Default `day`. */
    interval: Type.Optional(oneOf(INTERVALS)),
    /** Applied to every series. */
    filters: Type.Optional(QueryFilters),
    breakdown: Type.Optional(Breakdown),
    breakdownCohorts: Type.Optional(BreakdownCohorts),
    /** Also answer the same-length period just before. */
    compare: Type.Optional(Type.Boolean()),
    /** Arithmetic over the series by letter (A = the first), e.g. `A / B * 100`: adds a `formula` line. */
    formula: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** `range`: each line also gets `aggregated`, its value over the whole range (e.g. unique actors of the month). */
    aggregate: Type.Optional(oneOf(['range'] as const)),
  },
  closed,
);
export type TrendsQuery = Static<typeof TrendsQuery>;

/** How a funnel's steps must follow each other (docs/analytics.md, Funnels). */
export const FUNNEL_ORDERS = ['ordered', 'strict', 'any'] as const;
export type FunnelOrder = (typeof FUNNEL_ORDERS)[number];
/** Which step's event gives an entity its breakdown value. */
export const FUNNEL_ATTRIBUTIONS = ['first_touch', 'last_touch', 'step'] as const;
export type FunnelAttribution = (typeof FUNNEL_ATTRIBUTIONS)[number];

/** An event that voids an attempt when it happens between two of its steps. */
export const FunnelExclusion = Type.Object(
  {
    ...selectorFields,
    /** The attempt is void if the event happens after its `fromStep` event and before its `toStep` event. */
    fromStep: Type.Integer({ minimum: 1, maximum: 9 }),
    toStep: Type.Integer({ minimum: 2, maximum: 10 }),
  },
  closed,
);
export type FunnelExclusion = Static<typeof FunnelExclusion>;

export const FunnelsQuery = Type.Object(
  {
    /** 2 to 10 ordered steps. */
    steps: Type.Array(EventSelector, { minItems: 2, maxItems: 10 }),
    /** Default `ordered`: later steps in order, other events between allowed; `strict`: nothing between; `any`: any order. */
    stepOrder: Type.Optional(oneOf(FUNNEL_ORDERS)),
    /** Events that void an attempt between two of its steps (not with `stepOrder: any`). */
    exclusions: Type.Optional(Type.Array(FunnelExclusion, { maxItems: 5 })),
    dateRange: DateRange,
    compare: Compare,
    /** From the first step, in seconds. Default 14 days. */
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 * 86400 })),
    /** Default `actor`. */
    aggregateBy: Type.Optional(oneOf(AGGREGATIONS)),
    filters: Type.Optional(QueryFilters),
    /** A property of the event that `breakdownAttribution` names (default the first step's). */
    breakdown: Type.Optional(Breakdown),
    breakdownCohorts: Type.Optional(BreakdownCohorts),
    /** Default `first_touch` (step 1's event); `last_touch` (the furthest step reached); `step` (step `breakdownAttributionStep`). */
    breakdownAttribution: Type.Optional(oneOf(FUNNEL_ATTRIBUTIONS)),
    breakdownAttributionStep: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    /** The distribution of times from `fromStep` (default 1) to `toStep` (default the last), in `bins` (default 10) equal bins. */
    conversionTime: Type.Optional(
      Type.Object(
        {
          fromStep: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
          toStep: Type.Optional(Type.Integer({ minimum: 2, maximum: 10 })),
          bins: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        },
        closed,
      ),
    ),
    /** List who reached step n (n ≥ 1), for a drill-down. */
    stepActors: Type.Optional(
      Type.Object(
        {
          step: Type.Integer({ minimum: 1, maximum: 10 }),
          limit: ListLimit,
        },
        closed,
      ),
    ),
    /** List who reached step n-1 but not step n (n ≥ 2). */
    dropOff: Type.Optional(
      Type.Object(
        {
          step: Type.Integer({ minimum: 2, maximum: 10 }),
          limit: ListLimit,
        },
        closed,
      ),
    ),
  },
  closed,
);
export type FunnelsQuery = Static<typeof FunnelsQuery>;

/** `first_time`: an entity's cohort is the period of its first-ever start event; `recurring`: every period it did it. */
export const RETENTION_TYPES = ['first_time', 'recurring'] as const;

export const RetentionQuery = Type.Object(
  {
    /** The cohort is formed by each entity's first occurrence of this event (`recurring`: by every period with one). */
    startEvent: EventSelector,
    /** Default `first_time`. */
    retentionType: Type.Optional(oneOf(RETENTION_TYPES)),
    /** A property of the start event that puts the entity in its cohort; one table per value. */
    breakdown: Type.Optional(Breakdown),
    breakdownCohorts: Type.Optional(BreakdownCohorts),
    /** List the entities of one cell: cohort `cohort` (its index in the answer's cohorts, 0 first), period `period`. */
    actors: Type.Optional(
      Type.Object(
        {
          cohort: Type.Integer({ minimum: 0, maximum: 2000 }),
          period: Type.Integer({ minimum: 0, maximum: 59 }),
          limit: ListLimit,
        },
        closed,
      ),
    ),
    /** Returning means doing this event in a later period. */
    returnEvent: EventSelector,
    /** Default `day`. */
    period: Type.Optional(oneOf(PERIODS)),
    /** Periods shown, including period 0. Default 8, at most 60. */
    periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
    dateRange: DateRange,
    compare: Compare,
    /** Default `actor`. */
    aggregateBy: Type.Optional(oneOf(['actor', 'device'] as const)),
    filters: Type.Optional(QueryFilters),
  },
  closed,
);
export type RetentionQuery = Static<typeof RetentionQuery>;

/**
 * Where a path starts or ends: a page (`{ "page": "home" }`, its IMPRESSION `edata.pageid`) or an event
 * (`{ "event": { "eid": "START" } }`, an event selector; the event is a node of the path, labelled by the
 * selector's label or eid). Exactly one of the two.
 */
export const PathPoint = Type.Object(
  {
    page: Type.Optional(Text),
    event: Type.Optional(EventSelector),
  },
  closed,
);
export type PathPoint = Static<typeof PathPoint>;

export const PathsQuery = Type.Object(
  {
    dateRange: DateRange,
    /** Paths start at the first view of this page in each session (the same as `startPoint: { page }`). */
    startPage: Type.Optional(Text),
    /** Paths end at the first view of this page in each session (the same as `endPoint: { page }`). */
    endPage: Type.Optional(Text),
    /** Paths start at the first occurrence of this page or event in each session. */
    startPoint: Type.Optional(PathPoint),
    /** Paths end at the first occurrence of this page or event in each session, which is step `maxSteps`. */
    endPoint: Type.Optional(PathPoint),
    /** Steps per path. Default 5, at most 10. */
    maxSteps: Type.Optional(Type.Integer({ minimum: 2, maximum: 10 })),
    /** Links kept, strongest first. Default 50, at most 500. */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    ...cohortFields,
  },
  closed,
);
export type PathsQuery = Static<typeof PathsQuery>;

export const StickinessQuery = Type.Object(
  {
    series: Type.Array(EventSelector, { minItems: 1, maxItems: 10 }),
    dateRange: DateRange,
    compare: Compare,
    /** Default `day`. */
    interval: Type.Optional(oneOf(PERIODS)),
    /** Default `actor`. */
    aggregateBy: Type.Optional(oneOf(['actor', 'device'] as const)),
    ...cohortFields,
  },
  closed,
);
export type StickinessQuery = Static<typeof StickinessQuery>;

export const LifecycleQuery = Type.Object(
  {
    event: EventSelector,
    dateRange: DateRange,
    compare: Compare,
    /** Default `day`. */
    interval: Type.Optional(oneOf(INTERVALS)),
    ...cohortFields,
  },
  closed,
);
export type LifecycleQuery = Static<typeof LifecycleQuery>;

/**
 * The sessions and time-spent insight (read from the summaries the server keeps). Every field is
 * optional; an absent `dateRange.from` means from the first summary. Deprecated for one release
 * (docs/sessions.md): `pdata_id` (now `pdataId`) and `dateRange.last` (now `from: "-7d"`); a body
 * using either, or `answerCase: "snake"`, gets the old snake_case answer.
 */
export const SessionsQuery = Type.Object(
  {
    dateRange: Type.Optional(
      Type.Object(
        {
          from: Type.Optional(Text),
          to: Type.Optional(Text),
          timezone: Type.Optional(Text),
          /** Deprecated: `30m`, `24h`, `7d`, `12w` back from now. */
          last: Type.Optional(Type.String({ pattern: '^\\d{1,5}[mhdw]$' })),
        },
        closed,
      ),
    ),
    /** `context.channel` in any of these; absent: every channel. An empty list would match nothing: refused. */
    channel: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: 100 })),
    pdataId: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: 100 })),
    /** Deprecated spelling of `pdataId`. */
    pdata_id: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: 100 })),
    /** Which summaries count as sessions: this type (and mode). Default: the top-level summaries. */
    type: Type.Optional(Text),
    mode: Type.Optional(Text),
    /** Histogram bucket lower bounds in seconds, ascending. Default 0, 10, 30, 60, 180, 600, 1800, 3600. */
    buckets: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { minItems: 1, maxItems: 50 })),
    /** Rows per breakdown (actors, pages, contents), by time spent. Default 10, at most 1000. */
    limit: ListLimit,
    /** Cohort filters only: the sessions (and page and content times) of actors (not) in a saved cohort. */
    filters: Type.Optional(Type.Array(CohortFilter, { maxItems: 20 })),
    /** The answer per cohort, in `breakdown` (not with the snake_case answer). */
    breakdownCohorts: Type.Optional(BreakdownCohorts),
    /** `snake` asks for the deprecated snake_case answer (one release). Default `camel`. */
    answerCase: Type.Optional(oneOf(['camel', 'snake'] as const)),
  },
  closed,
);
export type SessionsQuery = Static<typeof SessionsQuery>;

/** GET /api/events (and /api/events/live) query-string parameters: exact matches on typed columns. */
export const EventsFeedParams = QueryString({
  eid: Text,
  actor: Text,
  did: Text,
  sid: Text,
  channel: Text,
  pageid: Text,
  /** A cursor (`<syncts>:<mid>`) from the previous page's `next`. */
  before: Text,
  /** 1 to 500, default 50. */
  limit: Digits(7, '1 to 500'),
});
export type EventsFeedParams = Static<typeof EventsFeedParams>;

/** GET /api/properties: without `property`, event names and paths; with it, that property's top values. */
export const PropertyDiscoveryParams = QueryString({
  property: PropertyPath,
  eid: Text,
  /** Look back this many days, default 30. */
  days: Digits(7, '1 to 3660'),
  limit: Digits(7, '1 to 200'),
});
export type PropertyDiscoveryParams = Static<typeof PropertyDiscoveryParams>;

/** The insights of POST /api/insights/<kind>, each with its schema. */
export const INSIGHT_SCHEMAS = {
  trends: TrendsQuery,
  funnels: FunnelsQuery,
  retention: RetentionQuery,
  paths: PathsQuery,
  stickiness: StickinessQuery,
  lifecycle: LifecycleQuery,
  sessions: SessionsQuery,
} as const;
export type InsightKind = keyof typeof INSIGHT_SCHEMAS;
export const INSIGHT_KINDS = Object.keys(INSIGHT_SCHEMAS) as InsightKind[];
export type InsightQuery<K extends InsightKind> = Static<(typeof INSIGHT_SCHEMAS)[K]>;

/** A saved thing's name (a dashboard, an insight, a cohort): 1 to 200 characters, not only spaces. */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'more than spaces' });

/** POST /api/dashboards and PATCH /api/dashboards/:id (and a saved insight's rename). */
export const NameBody = Type.Object({ name: Name }, closed);
export type NameBody = Static<typeof NameBody>;

/** POST /api/dashboards/:id/insights: an insight query saved under a name (the query is parsed by its kind). */
export const SavedInsightBody = Type.Object(
  {
    name: Name,
    kind: oneOf(['trends', 'funnels', 'retention', 'paths', 'stickiness', 'lifecycle', 'sessions'] as const),
    query: Type.Unknown(),
  },
  closed,
);
export type SavedInsightBody = Static<typeof SavedInsightBody>;

const Cell = (maximum: number) => Type.Integer({ minimum: 0, maximum });

/** The dashboard grid's columns: a tile's `x + w` is at most this (checked by the layout route). */
export const DASHBOARD_COLUMNS = 12;

/** PUT /api/dashboards/:id/layout: every tile's place on the 12-column grid (drag to arrange, resize). */
export const DashboardLayoutBody = Type.Object(
  {
    tiles: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 100 }),
          x: Cell(DASHBOARD_COLUMNS - 1),
          y: Cell(10_000),
          w: Type.Integer({ minimum: 1, maximum: DASHBOARD_COLUMNS }),
          h: Type.Integer({ minimum: 1, maximum: 100 }),
        },
        closed,
      ),
      { maxItems: 500 },
    ),
  },
  closed,
);
export type DashboardLayoutBody = Static<typeof DashboardLayoutBody>;

/** GET /api/failed-events/summary: receive-time bounds as epoch ms; default the last 7 days. */
export const FailedSummaryParams = QueryString({
  from: Digits(15, 'epoch ms'),
  to: Digits(15, 'epoch ms'),
});
export type FailedSummaryParams = Static<typeof FailedSummaryParams>;

/** GET /api/home's query string: every field optional; `from` default `-7d`, `flow` default `attendance`. */
export const HomeParams = QueryString({
  /** `context.channel`; absent: every channel. */
  channel: Text,
  /** `context.pdata.id`; absent: every app. */
  app: Text,
  /** The date-range grammar of every insight (`-30d`, a date, …); `to` default now. */
  from: Text,
  to: Text,
  timezone: Text,
  /** One of HOME_FLOWS' keys: the funnel the Key flow figure shows. */
  flow: Text,
});
export type HomeParams = Static<typeof HomeParams>;
