/**
 * The home page's one request, GET /api/home (its parameters: HomeParams, schemas.ts): the insight query behind each of its
 * figures (the link from a figure to the builder, and what a figure must equal), the key flows a
 * manager picks from, and its answer. The server computes every figure in one statement
 * (server analytics/home.ts); each figure equals the answer of the insight `homeQueries` gives it.
 */
import type { FailedSummary, FunnelsResult, SessionsAnswer } from './answers.js';
import {
  ALL_EVENTS,
  type DateRange,
  type EventSelector,
  type FunnelsQuery,
  type HomeParams,
  type PropertyFilter,
  type SessionsQuery,
  type TrendsQuery,
} from './schemas.js';

const step = (eid: string, property: string, value: string): EventSelector => ({
  eid,
  label: `${eid} ${value}`,
  filters: [{ property, operator: 'eq', value }],
});
/** A funnel step: a view of page `id`, a press of button `id`. */
const page = (id: string) => step('IMPRESSION', 'edata.pageid', id);
const button = (id: string) => step('INTERACT', 'edata.id', id);

/** The flows a manager picks from on the home page; each is a funnel of the demo app's pages and buttons. */
export const HOME_FLOWS: Record<string, { title: string; steps: EventSelector[] }> = {
  attendance: {
    title: 'Attendance: open → select class → submit',
    steps: [page('attendance'), button('select-class'), button('submit-attendance')],
  },
  assignment: {
    title: 'Assignment: open → start → submit',
    steps: [page('assignment'), button('start-assignment'), button('submit-assignment')],
  },
  library: {
    title: 'Home → content library → resource',
    steps: [page('home'), page('content-library'), page('resource-detail')],
  },
};
export const DEFAULT_FLOW = 'attendance';

/** Top pages and top interactions keep this many values. */
export const HOME_TOP = 8;
/** Rows of the sessions figure's time-per-page list. */
export const HOME_PAGES = 5;

/** The insight query behind each home figure (the failed-events figure reads the data-quality summary). */
export interface HomeQueries {
  active: TrendsQuery;
  sessions: SessionsQuery;
  pages: TrendsQuery;
  interactions: TrendsQuery;
  funnel: FunnelsQuery;
  feedback: TrendsQuery;
  searches: TrendsQuery;
  signals: TrendsQuery;
}

/** The insight queries of the home page for `params` (a flow not in HOME_FLOWS is the default flow). */
export function homeQueries(params: HomeParams): HomeQueries {
  const { channel, app } = params;
  const filters: PropertyFilter[] = [
    ...(channel ? [{ property: 'context.channel', operator: 'eq' as const, value: channel }] : []),
    ...(app ? [{ property: 'context.pdata.id', operator: 'eq' as const, value: app }] : []),
  ];
  // Every figure ends at the same instant: `to` is written out ('now' when not given) since the sessions insight,
  // alone of them, leaves an absent end open and would count sessions dated after now (future events are stored).
  const dateRange: DateRange = {
    from: params.from ?? '-7d',
    to: params.to || 'now',
    ...(params.timezone ? { timezone: params.timezone } : {}),
  };
  const f = filters.length ? { filters } : {};
  const daily = { dateRange, interval: 'day' as const, ...f };
  const flow = HOME_FLOWS[params.flow ?? DEFAULT_FLOW] ?? HOME_FLOWS[DEFAULT_FLOW];
  return {
    active: {
      series: (['dau', 'wau', 'mau'] as const).map((math) => ({ eid: ALL_EVENTS, math, label: math.toUpperCase() })),
      ...daily,
    },
    sessions: {
      dateRange,
      ...(channel ? { channel: [channel] } : {}),
      ...(app ? { pdataId: [app] } : {}),
      limit: HOME_PAGES,
    },
    pages: { series: [{ eid: 'IMPRESSION' }], ...daily, breakdown: { property: 'edata.pageid', limit: HOME_TOP } },
    interactions: { series: [{ eid: 'INTERACT' }], ...daily, breakdown: { property: 'edata.id', limit: HOME_TOP } },
    funnel: { steps: flow.steps, dateRange, windowSeconds: 86400, ...f },
    feedback: {
      series: [
        { eid: 'FEEDBACK', math: 'sum', property: 'edata.rating', label: 'rating sum' },
        { eid: 'FEEDBACK', label: 'ratings' },
      ],
      ...daily,
    },
    searches: {
      series: [
        { eid: 'SEARCH', label: 'searches' },
        { eid: 'SEARCH', label: 'zero results', filters: [{ property: 'edata.size', operator: 'eq', value: 0 }] },
      ],
      ...daily,
    },
    signals: { series: [{ eid: 'INTERRUPT' }, { eid: 'SHARE' }, { eid: 'ERROR' }], ...daily },
  };
}

/** A value and its event count (a top page, a top interaction); `value` null: the property was absent. */
export interface HomeTop {
  value: string | null;
  count: number;
}

/**
 * GET /api/home's answer. Each part equals the insight of `queries` it is named after: `active` the
 * active trend's lines, `pages`/`interactions` the breakdown's kept lines with their totals (most
 * first), `feedback`/`searches`/`signals` each series' total over the range, `sessions` and `funnel`
 * those insights' answers. `failed` is the data-quality summary over the same range (receive time).
 */
export interface HomeAnswer {
  /** The resolved range, ISO instants, `[from, to)`. */
  from: string;
  to: string;
  timezone: string;
  queries: HomeQueries;
  /** Day labels (local dates) and DAU/WAU/MAU per day. */
  active: { buckets: string[]; dau: number[]; wau: number[]; mau: number[] };
  sessions: SessionsAnswer;
  pages: HomeTop[];
  interactions: HomeTop[];
  funnel: FunnelsResult;
  /** Ratings given and the sum of their values (the average is sum / ratings). */
  feedback: { ratings: number; ratingSum: number };
  /** Searches, and those with `edata.size` 0 (no result). */
  searches: { searches: number; zeroResults: number };
  signals: { interrupts: number; shares: number; errors: number };
  failed: FailedSummary;
}
