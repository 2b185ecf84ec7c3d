/**
 * The one parser of insight queries: the TypeBox schema first (unknown keys, types and bounds,
 * each error naming its path, e.g. `series[0].math`), then the rules a schema cannot say (property
 * paths and operators, date ranges, math needing a property). It returns the query with its
 * defaults filled in and its date range resolved, so nothing downstream parses it again.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import { parseFormula } from './formula.js';
import { type PropertyRef, resolveProperty } from './properties.js';
import {
  ALL_EVENTS,
  type Breakdown,
  type DateRange,
  type EventSelector,
  type Filter,
  type FilterOperator,
  type FunnelsQuery,
  INSIGHT_SCHEMAS,
  type InsightKind,
  type InsightQuery,
  type LifecycleQuery,
  type PathPoint,
  type PathsQuery,
  PROPERTY_MATH,
  type PropertyFilter,
  type RetentionQuery,
  type SessionsQuery,
  type StickinessQuery,
  type TrendsQuery,
} from './schemas.js';
import { bucketCount, bucketsOf, type Interval, isValidTimeZone, parseInstant, type ResolvedRange } from './time.js';

/** One reason a query was refused: `path` as written in JS (`series[0].math`, `query` for the whole body). */
export interface QueryError {
  path: string;
  message: string;
}

/** Bounds resolved from a date range; `null` only where the insight allows an open end (sessions). */
export interface ResolvedBounds {
  from: number | null;
  to: number | null;
  timezone: string;
}

/** What a parse of `kind` gives: the query with defaults filled, and its resolved range. */
export type ParsedInsight<K extends InsightKind> = K extends 'sessions'
  ? { kind: K; query: SessionsQuery; range: ResolvedBounds; legacyAnswer: boolean; deprecated: string[] }
  : { kind: K; query: InsightQuery<K>; range: ResolvedRange };

export type ParseResult<K extends InsightKind> =
  | { ok: true; value: ParsedInsight<K> }
  | { ok: false; errors: QueryError[] };

const MAX_BUCKETS = 2000;
/** Where an insight's range starts when `dateRange.from` is absent. */
export const DEFAULT_FROM = '-7d';
const NUMERIC_OPS: FilterOperator[] = ['gt', 'gte', 'lt', 'lte'];
const TAG_OPS: FilterOperator[] = ['contains', 'not_contains', 'is_set', 'is_not_set'];

/** `/series/0/math` → `series[0].math`; the empty pointer is the whole body, `query`. */
export function jsPath(pointer: string): string {
  if (pointer === '') return 'query';
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

function describe(error: ValueError): QueryError {
  const s = error.schema as Record<string, unknown> & { anyOf?: { const?: unknown }[] };
  const at = jsPath(error.path);
  const say = (message: string) => ({ path: at, message });
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return say('is required');
    case ValueErrorType.ObjectAdditionalProperties:
      return say('is not a known field');
    case ValueErrorType.Object:
      return say('must be an object');
    case ValueErrorType.Boolean:
      return say('must be true or false');
    case ValueErrorType.Union:
      if (s.anyOf?.every((x) => x.const !== undefined))
        return say(`must be one of ${s.anyOf.map((x) => x.const).join(', ')}`);
      return say('must be a string or a number (a list of them for in/not_in)');
    case ValueErrorType.String:
    case ValueErrorType.StringMinLength:
      return say('must be a non-empty string');
    case ValueErrorType.StringMaxLength:
      return say(`must be at most ${s.maxLength} characters`);
    case ValueErrorType.StringPattern:
      return say(s.description ? `must be ${s.description}` : `must match ${s.pattern}`);
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      if (s.minimum !== undefined && s.maximum !== undefined)
        return say(`must be ${s.type === 'integer' ? 'an integer' : 'a number'} from ${s.minimum} to ${s.maximum}`);
      return say(s.minimum !== undefined ? `must be a number of at least ${s.minimum}` : 'must be a number');
    case ValueErrorType.Array:
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.ArrayMaxItems:
      return say(`must be a list of ${s.minItems ?? 0} to ${s.maxItems ?? 'any number of'} items`);
    default:
      return say(error.message.charAt(0).toLowerCase() + error.message.slice(1));
  }
}

/**
 * The schema's errors, one per path (the first found), as `QueryError`s; [] when `value` conforms.
 * Shared by the parser, the server's route validator and the dashboard.
 */
export function schemaErrors(schema: TSchema, value: unknown): QueryError[] {
  const out: QueryError[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    // A wrong item inside a reported path adds nothing (e.g. a union's members).
    if ([...seen].some((p) => error.path === p || error.path.startsWith(`${p}/`))) continue;
    seen.add(error.path);
    const member = error.type === ValueErrorType.Union ? objectMember(error.schema, error.value) : undefined;
    if (!member) {
      out.push(describe(error));
      continue;
    }
    // A union of objects (a property or a cohort filter, a cohort criterion): the errors of the member it is meant as.
    const at = jsPath(error.path);
    for (const inner of schemaErrors(member, error.value)) {
      const path =
        inner.path === 'query' ? at : inner.path.startsWith('[') ? `${at}${inner.path}` : `${at}.${inner.path}`;
      out.push({ path, message: inner.message });
    }
  }
  return out;
}

/**
 * The object member of a union that `value` is meant as: the first whose constants (`type: "behaviour"`) match and
 * whose required keys are all present, else the first whose constants match, else the first object; undefined when
 * the union is not of objects or `value` is not an object.
 */
function objectMember(union: TSchema, value: unknown): TSchema | undefined {
  const members = ((union as { anyOf?: TSchema[] }).anyOf ?? []).filter((m) => m.type === 'object');
  if (!members.length || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const constants = (m: TSchema) =>
    Object.entries((m.properties ?? {}) as Record<string, TSchema>).every(
      ([k, p]) => p.const === undefined || v[k] === p.const,
    );
  const required = (m: TSchema) => ((m.required ?? []) as string[]).every((k) => k in v);
  return members.find((m) => constants(m) && required(m)) ?? members.find(constants) ?? members[0];
}

/** The errors joined for the one-line message of a 400 answer: `path: message; path: message`. */
export function formatQueryErrors(errors: QueryError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

/** Collects semantic errors while filling defaults (also used by cohorts.ts). */
export class Checker {
  readonly errors: QueryError[] = [];
  constructor(readonly now: number) {}

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  property(path: string, where: string): PropertyRef | undefined {
    const ref = resolveProperty(path);
    return typeof ref === 'string' ? this.fail(where, ref) : ref;
  }

  filter(f: PropertyFilter, where: string): PropertyFilter {
    const ref = this.property(f.property, `${where}.property`);
    if (!ref) return f;
    const { operator: op, value: v } = f;
    if (ref.type === 'list' && !TAG_OPS.includes(op))
      return this.fail(`${where}.operator`, `${ref.path} is a list: use ${TAG_OPS.join(', ')}`) ?? f;
    if (op === 'is_set' || op === 'is_not_set') return { property: f.property, operator: op };
    if (op === 'in' || op === 'not_in') {
      if (!Array.isArray(v)) this.fail(`${where}.value`, 'must be a list of 1 to 100 items');
      else if (new Set(v.map((x) => typeof x)).size > 1)
        this.fail(`${where}.value`, 'must not mix strings and numbers');
      return f;
    }
    if (NUMERIC_OPS.includes(op) && typeof v !== 'number') this.fail(`${where}.value`, 'must be a number');
    else if (v === undefined || Array.isArray(v)) this.fail(`${where}.value`, 'must be a string or a number');
    else if (ref.type === 'number' && typeof v === 'string')
      this.fail(`${where}.value`, `${ref.path} is numeric: give a number`);
    return f;
  }

  filters<F extends Filter>(list: F[] | undefined, where: string): F[] | undefined {
    return list?.map((f, i) =>
      'cohort' in f
        ? ({ cohort: f.cohort, operator: f.operator ?? 'in' } as F)
        : (this.filter(f, `${where}[${i}]`) as F),
    );
  }

  /** The checked `filters` and, when the query has them, `breakdownCohorts` (insights without a property breakdown). */
  cohorts(q: { filters?: Filter[]; breakdownCohorts?: string[] }): { filters?: Filter[]; breakdownCohorts?: string[] } {
    return { filters: this.filters(q.filters, 'filters'), ...this.breakdownCohorts(q) };
  }

  /** `{breakdownCohorts}` when the query has them (one line or answer per cohort; not with a property breakdown). */
  breakdownCohorts(q: { breakdownCohorts?: string[]; breakdown?: Breakdown }): { breakdownCohorts?: string[] } {
    const ids = q.breakdownCohorts;
    if (!ids) return {};
    if (q.breakdown) this.fail('breakdownCohorts', 'give breakdown or breakdownCohorts, not both');
    if (new Set(ids).size < ids.length) this.fail('breakdownCohorts', 'names a cohort twice');
    return { breakdownCohorts: ids };
  }

  selector(s: EventSelector, where: string): EventSelector {
    const filters = this.filters(s.filters, `${where}.filters`);
    return { eid: s.eid, ...(s.label ? { label: s.label } : {}), ...(filters ? { filters } : {}) };
  }

  /** `lists`: a list (tags) may be broken down by, one group per element (trends only: an event counts in each). */
  breakdown(b: Breakdown | undefined, where: string, lists = false): Breakdown | undefined {
    if (!b) return undefined;
    const ref = this.property(b.property, `${where}.property`);
    if (ref?.type === 'list' && !lists)
      this.fail(`${where}.property`, 'breaking down by a list (tags) is only supported in trends');
    return { property: b.property, limit: b.limit ?? 10 };
  }

  /** Resolves a range; an absent end is `fallbackFrom`/`now`, or open (`null`) when that is null. */
  bounds(r: DateRange | undefined, where: string, fallbackFrom: string | null, openEnd: boolean): ResolvedBounds {
    const timezone = r?.timezone ?? 'UTC';
    if (!isValidTimeZone(timezone)) {
      this.fail(`${where}.timezone`, 'is not an IANA time zone');
      return { from: null, to: null, timezone: 'UTC' };
    }
    const end = (text: string | undefined, fallback: string | null, isEnd: boolean, at: string) => {
      const t = text ?? fallback;
      if (t === null) return null;
      const ms = parseInstant(t, timezone, this.now, isEnd);
      return typeof ms === 'string' ? (this.fail(at, ms) ?? null) : ms;
    };
    const from = end(r?.from, fallbackFrom, false, `${where}.from`);
    const to = end(r?.to, openEnd ? null : 'now', true, `${where}.to`);
    if (from !== null && to !== null && from >= to) this.fail(where, 'from must be before to');
    return { from, to, timezone };
  }

  /** The closed range of the six event insights: `from` default `-7d`, `to` default now. */
  range(r: DateRange, where: string, interval?: Interval): { dateRange: DateRange; range: ResolvedRange } {
    const b = this.bounds(r, where, DEFAULT_FROM, false);
    const range = { from: b.from ?? 0, to: b.to ?? 0, timezone: b.timezone };
    if (interval && !this.errors.length && bucketCount(interval, range) > MAX_BUCKETS)
      this.fail(where, `spans more than ${MAX_BUCKETS} ${interval} intervals`);
    const dateRange = { from: r.from ?? DEFAULT_FROM, ...(r.to ? { to: r.to } : {}), timezone: b.timezone };
    return { dateRange, range };
  }
}

type Resolver<K extends InsightKind> = (q: InsightQuery<K>, c: Checker) => ParsedInsight<K>;

const trends: Resolver<'trends'> = (q, c) => {
  const interval = q.interval ?? 'day';
  const series = q.series.map((s, i) => {
    const where = `series[${i}]`;
    const math = s.math ?? 'total';
    let property: string | undefined;
    if (PROPERTY_MATH.includes(math)) {
      if (s.property === undefined) c.fail(`${where}.property`, `${math} needs a property (a path to a number)`);
      else {
        // A typed text column, the tags or a cdata id is never a number; a path into the raw JSON may be one.
        const ref = c.property(s.property, `${where}.property`);
        if (ref && ref.kind !== 'json' && ref.type !== 'number')
          c.fail(
            `${where}.property`,
            `${math} needs a numeric property; ${s.property} is ${ref.type === 'list' ? 'a list' : 'text'}`,
          );
      }
      property = s.property;
    }
    if ((math === 'wau' || math === 'mau') && interval !== 'day') c.fail(`${where}.math`, `${math} needs interval day`);
    if ((math === 'wau' || math === 'mau') && q.breakdown) c.fail(`${where}.math`, `${math} cannot be broken down`);
    return { ...c.selector(s, where), math, ...(property ? { property } : {}) };
  });
  const { dateRange, range } = c.range(q.dateRange, 'dateRange', interval);
  const query: TrendsQuery = {
    series,
    dateRange,
    interval,
    filters: c.filters(q.filters, 'filters'),
    breakdown: c.breakdown(q.breakdown, 'breakdown', true),
    ...c.breakdownCohorts(q),
    compare: q.compare === true,
    ...(q.formula !== undefined ? { formula: q.formula } : {}),
    ...(q.aggregate ? { aggregate: q.aggregate } : {}),
  };
  if (q.formula !== undefined) {
    const parsed = parseFormula(q.formula, series.length);
    if (typeof parsed === 'string') c.fail('formula', parsed);
    if (q.breakdown || q.breakdownCohorts) c.fail('formula', 'cannot be combined with a breakdown');
  }
  return { kind: 'trends', query, range };
};

const funnels: Resolver<'funnels'> = (q, c) => {
  const steps = q.steps.map((s, i) => c.selector(s, `steps[${i}]`));
  const n = steps.length;
  const stepOrder = q.stepOrder ?? 'ordered';
  const stepIn = (value: number | undefined, where: string, min: number, max = n) => {
    if (value !== undefined && (value < min || value > max)) c.fail(where, `must be an integer from ${min} to ${max}`);
  };
  stepIn(q.dropOff?.step, 'dropOff.step', 2);
  stepIn(q.stepActors?.step, 'stepActors.step', 1);
  const exclusions = q.exclusions?.map((x, i) => {
    const where = `exclusions[${i}]`;
    if (stepOrder === 'any') c.fail(where, 'exclusions need stepOrder ordered or strict');
    stepIn(x.toStep, `${where}.toStep`, 2);
    if (x.fromStep >= x.toStep) c.fail(`${where}.fromStep`, 'must be below toStep');
    return { ...c.selector(x, where), fromStep: x.fromStep, toStep: x.toStep };
  });
  const attribution = q.breakdownAttribution ?? 'first_touch';
  if (attribution === 'step') {
    if (q.breakdownAttributionStep === undefined)
      c.fail('breakdownAttributionStep', 'is required with breakdownAttribution step');
    stepIn(q.breakdownAttributionStep, 'breakdownAttributionStep', 1);
  } else if (q.breakdownAttributionStep !== undefined)
    c.fail('breakdownAttributionStep', 'needs breakdownAttribution step');
  if (stepOrder === 'any' && attribution !== 'first_touch')
    c.fail('breakdownAttribution', 'must be first_touch with stepOrder any');
  let conversionTime: FunnelsQuery['conversionTime'];
  if (q.conversionTime) {
    const fromStep = q.conversionTime.fromStep ?? 1;
    const toStep = q.conversionTime.toStep ?? n;
    if (stepOrder === 'any') c.fail('conversionTime', 'needs stepOrder ordered or strict');
    stepIn(toStep, 'conversionTime.toStep', 2);
    if (fromStep >= toStep) c.fail('conversionTime.fromStep', 'must be below toStep');
    conversionTime = { fromStep, toStep, bins: q.conversionTime.bins ?? 10 };
  }
  const { dateRange, range } = c.range(q.dateRange, 'dateRange');
  const query: FunnelsQuery = {
    steps,
    dateRange,
    windowSeconds: q.windowSeconds ?? 14 * 86400,
    aggregateBy: q.aggregateBy ?? 'actor',
    filters: c.filters(q.filters, 'filters'),
    breakdown: c.breakdown(q.breakdown, 'breakdown'),
    ...c.breakdownCohorts(q),
    dropOff: q.dropOff ? { step: q.dropOff.step, limit: q.dropOff.limit ?? 100 } : undefined,
    stepOrder,
    ...(exclusions?.length ? { exclusions } : {}),
    ...(q.breakdown ? { breakdownAttribution: attribution } : {}),
    ...(attribution === 'step' ? { breakdownAttributionStep: q.breakdownAttributionStep } : {}),
    ...(conversionTime ? { conversionTime } : {}),
    ...(q.stepActors ? { stepActors: { step: q.stepActors.step, limit: q.stepActors.limit ?? 100 } } : {}),
    ...(q.compare ? { compare: true } : {}),
  };
  return { kind: 'funnels', query, range };
};

const retention: Resolver<'retention'> = (q, c) => {
  const period = q.period ?? 'day';
  const startEvent = c.selector(q.startEvent, 'startEvent');
  const returnEvent = c.selector(q.returnEvent, 'returnEvent');
  const { dateRange, range } = c.range(q.dateRange, 'dateRange', period);
  const query: RetentionQuery = {
    startEvent,
    returnEvent,
    period,
    periods: q.periods ?? 8,
    dateRange,
    aggregateBy: q.aggregateBy ?? 'actor',
    filters: c.filters(q.filters, 'filters'),
    retentionType: q.retentionType ?? 'first_time',
    ...(q.breakdown ? { breakdown: c.breakdown(q.breakdown, 'breakdown') } : {}),
    ...c.breakdownCohorts(q),
    ...(q.actors ? { actors: { ...q.actors, limit: q.actors.limit ?? 100 } } : {}),
    ...(q.compare ? { compare: true } : {}),
  };
  if (q.actors && q.actors.period >= (q.periods ?? 8)) c.fail('actors.period', 'must be below periods');
  else if (q.actors && c.errors.length === 0) {
    // The cell must be one the answer has: a cohort per period of the range, each showing the periods begun by its end.
    const buckets = bucketsOf(period, range);
    const { cohort, period: k } = q.actors;
    if (cohort >= buckets.length) {
      c.fail('actors.cohort', `must be below ${buckets.length}, the number of cohorts in the date range`);
    } else if (k > buckets[buckets.length - 1] - buckets[cohort]) {
      c.fail(
        'actors.period',
        `cohort ${cohort} has periods 0 to ${buckets[buckets.length - 1] - buckets[cohort]} by the range's end`,
      );
    }
  }
  return { kind: 'retention', query, range };
};

const paths: Resolver<'paths'> = (q, c) => {
  const given = (['startPage', 'startPoint', 'endPage', 'endPoint'] as const).filter((k) => q[k] !== undefined);
  if (given.length > 1)
    c.fail(given[1], `give one of startPage, startPoint, endPage, endPoint (also ${given[0]} given)`);
  const point = (x: PathPoint | undefined, where: string): PathPoint | undefined => {
    if (!x) return undefined;
    if ((x.page === undefined) === (x.event === undefined)) return c.fail(where, 'give page or event, exactly one');
    // Every event would be the point, so each session's path would be that one node: no transitions to show.
    if (x.event?.eid === ALL_EVENTS)
      return c.fail(
        `${where}.event.eid`,
        `${ALL_EVENTS} matches every event; a path point is a page or one kind of event`,
      );
    return x.page !== undefined ? { page: x.page } : { event: c.selector(x.event as EventSelector, `${where}.event`) };
  };
  const startPoint = point(q.startPoint, 'startPoint');
  const endPoint = point(q.endPoint, 'endPoint');
  const { dateRange, range } = c.range(q.dateRange, 'dateRange');
  const query: PathsQuery = {
    dateRange,
    ...(q.startPage ? { startPage: q.startPage } : {}),
    ...(q.endPage ? { endPage: q.endPage } : {}),
    ...(startPoint ? { startPoint } : {}),
    ...(endPoint ? { endPoint } : {}),
    maxSteps: q.maxSteps ?? 5,
    limit: q.limit ?? 50,
    ...c.cohorts(q),
  };
  return { kind: 'paths', query, range };
};

const stickiness: Resolver<'stickiness'> = (q, c) => {
  const interval = q.interval ?? 'day';
  const series = q.series.map((s, i) => c.selector(s, `series[${i}]`));
  const { dateRange, range } = c.range(q.dateRange, 'dateRange', interval);
  const query: StickinessQuery = {
    series,
    dateRange,
    interval,
    aggregateBy: q.aggregateBy ?? 'actor',
    ...c.cohorts(q),
    ...(q.compare ? { compare: true } : {}),
  };
  return { kind: 'stickiness', query, range };
};

const lifecycle: Resolver<'lifecycle'> = (q, c) => {
  const interval = q.interval ?? 'day';
  const event = c.selector(q.event, 'event');
  const { dateRange, range } = c.range(q.dateRange, 'dateRange', interval);
  const query: LifecycleQuery = {
    event,
    dateRange,
    interval,
    ...c.cohorts(q),
    ...(q.compare ? { compare: true } : {}),
  };
  return { kind: 'lifecycle', query, range };
};

const LAST_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Sessions: open-ended unless bounded; the deprecated spellings become the new ones. */
const sessions: Resolver<'sessions'> = (q, c) => {
  const deprecated: string[] = [];
  const { last, ...dateRange } = q.dateRange ?? {};
  let range: ResolvedBounds;
  if (last !== undefined) {
    const m = /^(\d+)([mhdw])$/.exec(last) as RegExpExecArray;
    // `from` has no minutes: there "m" is months.
    const instead = m[2] === 'm' ? 'a date-time; "-1m" there is a month' : `"-${m[1]}${m[2]}"`;
    deprecated.push(`dateRange.last (use dateRange.from: ${instead})`);
    if (dateRange.from !== undefined || dateRange.to !== undefined)
      c.fail('dateRange.last', 'give dateRange.from (and to) only');
    range = { from: c.now - Number(m[1]) * LAST_UNITS[m[2]], to: null, timezone: dateRange.timezone ?? 'UTC' };
    if (dateRange.timezone && !isValidTimeZone(dateRange.timezone))
      c.fail('dateRange.timezone', 'is not an IANA time zone');
  } else range = c.bounds(dateRange, 'dateRange', null, true);
  if (q.pdata_id) deprecated.push('pdata_id (use pdataId)');
  if (q.pdata_id && q.pdataId) c.fail('pdata_id', 'give pdataId only');
  const buckets = q.buckets;
  buckets?.forEach((b, i) => {
    if (i > 0 && b <= buckets[i - 1]) c.fail(`buckets[${i}]`, 'buckets must be ascending');
  });
  const pdataId = q.pdataId ?? q.pdata_id;
  const query: SessionsQuery = {
    ...(q.dateRange ? { dateRange } : {}),
    ...(q.channel ? { channel: q.channel } : {}),
    ...(pdataId ? { pdataId } : {}),
    ...(q.type !== undefined ? { type: q.type } : {}),
    ...(q.mode !== undefined ? { mode: q.mode } : {}),
    ...(buckets ? { buckets } : {}),
    limit: q.limit ?? 10,
    ...(q.filters ? { filters: c.filters(q.filters, 'filters') } : {}),
    ...c.breakdownCohorts(q),
  };
  const legacyAnswer = q.answerCase === 'snake' || (q.answerCase === undefined && deprecated.length > 0);
  if (legacyAnswer && q.breakdownCohorts) c.fail('breakdownCohorts', 'needs the camelCase answer (answerCase camel)');
  return { kind: 'sessions', query, range, legacyAnswer, deprecated };
};

const RESOLVERS: { [K in InsightKind]: Resolver<K> } = {
  trends,
  funnels,
  retention,
  paths,
  stickiness,
  lifecycle,
  sessions,
};

/**
 * Parses an insight query body of `kind` against one clock reading `now` (epoch ms).
 * Never throws on bad input: `{ok: false, errors}` lists every reason found, each with its path.
 */
export function parseInsight<K extends InsightKind>(kind: K, body: unknown, now = Date.now()): ParseResult<K> {
  const errors = schemaErrors(INSIGHT_SCHEMAS[kind], body ?? (kind === 'sessions' ? {} : body));
  if (errors.length) return { ok: false, errors };
  const checker = new Checker(now);
  const value = RESOLVERS[kind]((body ?? {}) as InsightQuery<K>, checker);
  return checker.errors.length ? { ok: false, errors: checker.errors } : { ok: true, value };
}
