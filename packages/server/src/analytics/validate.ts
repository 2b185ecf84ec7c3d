/**
 * Turns an unknown JSON body into a typed insight query, or into the list of reasons it is not one
 * (each naming where, e.g. `series[0].math`). Limits here keep every query bounded.
 */
import {
  type Breakdown,
  type DateRange,
  type EventSelector,
  FILTER_OPERATORS,
  type FilterOperator,
  type FunnelsQuery,
  type LifecycleQuery,
  type PathsQuery,
  PROPERTY_MATH,
  type PropertyFilter,
  type RetentionQuery,
  type StickinessQuery,
  TRENDS_MATH,
  type TrendsMath,
  type TrendsQuery,
  type TrendsSeries,
} from './model.js';
import { type PropertyRef, resolveProperty } from './properties.js';
import { bucketsOf, type Interval, isValidTimeZone, parseInstant } from './time.js';

export type Parsed<T> = { ok: true; query: T } | { ok: false; errors: string[] };

const MAX_TEXT = 1000;
const MAX_BUCKETS = 2000;
const INTERVALS: Interval[] = ['hour', 'day', 'week', 'month'];
const NUMERIC_OPS: FilterOperator[] = ['gt', 'gte', 'lt', 'lte'];
const TAG_OPS: FilterOperator[] = ['contains', 'not_contains', 'is_set', 'is_not_set'];

/** Collects reasons while reading one body. */
class Reader {
  readonly errors: string[] = [];
  constructor(readonly now: number) {}

  fail(where: string, why: string): undefined {
    this.errors.push(`${where}: ${why}`);
    return undefined;
  }

  object(value: unknown, where: string): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return this.fail(where, 'must be an object');
    return value as Record<string, unknown>;
  }

  text(value: unknown, where: string, optional = false): string | undefined {
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value.length === 0) return this.fail(where, 'must be a non-empty string');
    if (value.length > MAX_TEXT) return this.fail(where, `must be at most ${MAX_TEXT} characters`);
    return value;
  }

  int(value: unknown, where: string, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      this.fail(where, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value as number;
  }

  oneOf<T extends string>(value: unknown, where: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.fail(where, `must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  list(value: unknown, where: string, min: number, max: number): unknown[] {
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      this.fail(where, `must be a list of ${min} to ${max} items`);
      return [];
    }
    return value;
  }

  property(value: unknown, where: string): PropertyRef | undefined {
    const resolved = resolveProperty(value);
    return typeof resolved === 'string' ? this.fail(where, resolved) : resolved;
  }

  filter(value: unknown, where: string): PropertyFilter | undefined {
    const o = this.object(value, where);
    if (!o) return undefined;
    const ref = this.property(o.property, `${where}.property`);
    const operator = this.oneOf(o.operator, `${where}.operator`, FILTER_OPERATORS, 'eq');
    if (o.operator === undefined) this.fail(`${where}.operator`, 'is required');
    if (!ref) return undefined;
    const v = o.value;
    const scalar = (x: unknown) => (typeof x === 'string' && x.length <= MAX_TEXT) || Number.isFinite(x);
    if (ref.type === 'list' && !TAG_OPS.includes(operator)) {
      return this.fail(`${where}.operator`, `${ref.path} is a list: use ${TAG_OPS.join(', ')}`);
    }
    if (operator === 'is_set' || operator === 'is_not_set') return { property: ref.path, operator };
    if (operator === 'in' || operator === 'not_in') {
      const values = this.list(v, `${where}.value`, 1, 100);
      if (!values.every(scalar)) return this.fail(`${where}.value`, 'must hold strings or numbers');
      if (new Set(values.map((x) => typeof x)).size > 1)
        return this.fail(`${where}.value`, 'must not mix strings and numbers');
      return { property: ref.path, operator, value: values as (string | number)[] };
    }
    if (NUMERIC_OPS.includes(operator) && !Number.isFinite(v)) return this.fail(`${where}.value`, 'must be a number');
    if (!scalar(v)) return this.fail(`${where}.value`, 'must be a string or a number');
    if (ref.type === 'number' && typeof v === 'string')
      return this.fail(`${where}.value`, `${ref.path} is numeric: give a number`);
    return { property: ref.path, operator, value: v as string | number };
  }

  filters(value: unknown, where: string): PropertyFilter[] | undefined {
    if (value === undefined) return undefined;
    return this.list(value, where, 0, 20)
      .map((f, i) => this.filter(f, `${where}[${i}]`))
      .filter((f): f is PropertyFilter => f !== undefined);
  }

  selector(value: unknown, where: string): EventSelector {
    const o = this.object(value, where) ?? {};
    const eid = this.text(o.eid, `${where}.eid`) ?? '';
    const label = this.text(o.label, `${where}.label`, true);
    const filters = this.filters(o.filters, `${where}.filters`);
    return { eid, ...(label ? { label } : {}), ...(filters ? { filters } : {}) };
  }

  dateRange(value: unknown, where: string, interval?: Interval): DateRange {
    const o = this.object(value, where) ?? {};
    const from = this.text(o.from, `${where}.from`) ?? '-7d';
    const to = this.text(o.to, `${where}.to`, true);
    const timezone = this.text(o.timezone, `${where}.timezone`, true) ?? 'UTC';
    if (!isValidTimeZone(timezone)) return this.fail(`${where}.timezone`, 'is not an IANA time zone') ?? { from };
    const start = parseInstant(from, timezone, this.now, false);
    const end = parseInstant(to ?? 'now', timezone, this.now, true);
    if (start === undefined) this.fail(`${where}.from`, 'must be -7d/-24h/-2w/-3m/-1y, now, a date or a date-time');
    if (end === undefined) this.fail(`${where}.to`, 'must be -7d/-24h/-2w/-3m/-1y, now, a date or a date-time');
    if (start !== undefined && end !== undefined) {
      if (start >= end) this.fail(where, 'from must be before to');
      else if (interval && bucketsOf(interval, { from: start, to: end, timezone }).length > MAX_BUCKETS) {
        this.fail(where, `spans more than ${MAX_BUCKETS} ${interval} intervals`);
      }
    }
    return { from, ...(to ? { to } : {}), timezone };
  }

  breakdown(value: unknown, where: string): Breakdown | undefined {
    if (value === undefined) return undefined;
    const o = this.object(value, where) ?? {};
    const ref = this.property(o.property, `${where}.property`);
    if (ref?.type === 'list') return this.fail(`${where}.property`, 'breaking down by a list (tags) is not supported');
    const limit = this.int(o.limit, `${where}.limit`, 1, 100, 10);
    return ref ? { property: ref.path, limit } : undefined;
  }
}

function done<T>(r: Reader, query: T): Parsed<T> {
  return r.errors.length ? { ok: false, errors: r.errors } : { ok: true, query };
}

export function parseTrends(body: unknown, now = Date.now()): Parsed<TrendsQuery> {
  const r = new Reader(now);
  const o = r.object(body, 'query') ?? {};
  const interval = r.oneOf(o.interval, 'interval', INTERVALS, 'day');
  const series = r.list(o.series, 'series', 1, 10).map((s, i): TrendsSeries => {
    const where = `series[${i}]`;
    const base = r.selector(s, where);
    const raw = (s ?? {}) as Record<string, unknown>;
    const math = r.oneOf(raw.math, `${where}.math`, TRENDS_MATH, 'total');
    let property: string | undefined;
    if (PROPERTY_MATH.includes(math)) {
      property = r.property(raw.property, `${where}.property`)?.path;
      if (property === 'tags') r.fail(`${where}.property`, `${math} needs a numeric property`);
    }
    if ((math === 'wau' || math === 'mau') && interval !== 'day') r.fail(`${where}.math`, `${math} needs interval day`);
    if ((math === 'wau' || math === 'mau') && o.breakdown !== undefined)
      r.fail(`${where}.math`, `${math} cannot be broken down`);
    return { ...base, math: math as TrendsMath, ...(property ? { property } : {}) };
  });
  const dateRange = r.dateRange(o.dateRange, 'dateRange', interval);
  const filters = r.filters(o.filters, 'filters');
  const breakdown = r.breakdown(o.breakdown, 'breakdown');
  if (o.compare !== undefined && typeof o.compare !== 'boolean') r.fail('compare', 'must be true or false');
  return done(r, { series, dateRange, interval, filters, breakdown, compare: o.compare === true });
}

export function parseFunnels(body: unknown, now = Date.now()): Parsed<FunnelsQuery> {
  const r = new Reader(now);
  const o = r.object(body, 'query') ?? {};
  const steps = r.list(o.steps, 'steps', 2, 10).map((s, i) => r.selector(s, `steps[${i}]`));
  const dateRange = r.dateRange(o.dateRange, 'dateRange');
  const windowSeconds = r.int(o.windowSeconds, 'windowSeconds', 1, 366 * 86400, 14 * 86400);
  const aggregateBy = r.oneOf(o.aggregateBy, 'aggregateBy', ['actor', 'device', 'session'] as const, 'actor');
  let dropOff: FunnelsQuery['dropOff'];
  if (o.dropOff !== undefined) {
    const d = r.object(o.dropOff, 'dropOff') ?? {};
    if (d.step === undefined) r.fail('dropOff.step', 'is required');
    const step = r.int(d.step, 'dropOff.step', 2, Math.max(2, steps.length), 2);
    dropOff = { step, limit: r.int(d.limit, 'dropOff.limit', 1, 1000, 100) };
  }
  return done(r, {
    steps,
    dateRange,
    windowSeconds,
    aggregateBy,
    filters: r.filters(o.filters, 'filters'),
    breakdown: r.breakdown(o.breakdown, 'breakdown'),
    dropOff,
  });
}

export function parseRetention(body: unknown, now = Date.now()): Parsed<RetentionQuery> {
  const r = new Reader(now);
  const o = r.object(body, 'query') ?? {};
  const period = r.oneOf(o.period, 'period', ['day', 'week', 'month'] as const, 'day');
  return done(r, {
    startEvent: r.selector(o.startEvent, 'startEvent'),
    returnEvent: r.selector(o.returnEvent, 'returnEvent'),
    period,
    periods: r.int(o.periods, 'periods', 1, 60, 8),
    dateRange: r.dateRange(o.dateRange, 'dateRange', period),
    aggregateBy: r.oneOf(o.aggregateBy, 'aggregateBy', ['actor', 'device'] as const, 'actor'),
    filters: r.filters(o.filters, 'filters'),
  });
}

export function parsePaths(body: unknown, now = Date.now()): Parsed<PathsQuery> {
  const r = new Reader(now);
  const o = r.object(body, 'query') ?? {};
  const startPage = r.text(o.startPage, 'startPage', true);
  const endPage = r.text(o.endPage, 'endPage', true);
  if (startPage && endPage) r.fail('endPage', 'give startPage or endPage, not both');
  return done(r, {
    dateRange: r.dateRange(o.dateRange, 'dateRange'),
    ...(startPage ? { startPage } : {}),
    ...(endPage ? { endPage } : {}),
    maxSteps: r.int(o.maxSteps, 'maxSteps', 2, 10, 5),
    limit: r.int(o.limit, 'limit', 1, 500, 50),
    filters: r.filters(o.filters, 'filters'),
  });
}

export function parseStickiness(body: unknown, now = Date.now()): Parsed<StickinessQuery> {
  const r = new Reader(now);
  const o = r.object(body, 'query') ?? {};
  const interval = r.oneOf(o.interval, 'interval', ['day', 'week', 'month'] as const, 'day');
  return done(r, {
    series: r.list(o.series, 'series', 1, 10).map((s, i) => r.selector(s, `series[${i}]`)),
    dateRange: r.dateRange(o.dateRange, 'dateRange', interval),
    interval,
    aggregateBy: r.oneOf(o.aggregateBy, 'aggregateBy', ['actor', 'device'] as const, 'actor'),
    filters: r.filters(o.filters, 'filters'),
  });
}

export function parseLifecycle(body: unknown, now = Date.now()): Parsed<LifecycleQuery> {
  const r = new Reader(now);
  const o = r.object(body, 'query') ?? {};
  const interval = r.oneOf(o.interval, 'interval', INTERVALS, 'day');
  return done(r, {
    event: r.selector(o.event, 'event'),
    dateRange: r.dateRange(o.dateRange, 'dateRange', interval),
    interval,
    filters: r.filters(o.filters, 'filters'),
  });
}
