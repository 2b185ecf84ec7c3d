/**
 * Time in SQL: an event's local wall time is `ets` plus the zone's offset (bound, one CASE branch
 * per DST change in the range), and a bucket is integer division of that — columnar-friendly and
 * the same on every engine. time.ts holds the matching TypeScript.
 */

import {
  type DateRange,
  DEFAULT_FROM,
  type Interval,
  localToUtc,
  offsetAt,
  offsetSpans,
  parseInstant,
  type ResolvedRange,
} from '@telemetry/query';
import type { SqlParams } from './dialect/index.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Resolves a validated date range against `now`. */
export function resolveRange(range: DateRange, now: number): ResolvedRange {
  const timezone = range.timezone ?? 'UTC';
  const from = parseInstant(range.from ?? DEFAULT_FROM, timezone, now, false);
  const to = parseInstant(range.to ?? 'now', timezone, now, true);
  // The query parser (@telemetry/query) has checked both parse and from < to.
  if (typeof from === 'string' || typeof to === 'string') throw new Error(`unresolvable date range: ${from}, ${to}`);
  return { from, to, timezone };
}

/**
 * The period just before `range`, for comparisons: `range` moved back by its length rounded up
 * to whole local days (whole hours when it starts off a local midnight; exactly its length when
 * it starts off the hour). A relative range ("-7d": from a local midnight to now) compares with
 * the period from the midnight 8 days earlier to the same time of day, bucket for bucket, instead
 * of one starting mid-day; a range of whole days moves back by exactly its length.
 */
export function previousRange(range: ResolvedRange): ResolvedRange {
  const tz = range.timezone;
  const fromLocal = range.from + offsetAt(tz, range.from);
  const toLocal = range.to + offsetAt(tz, range.to);
  const unit = fromLocal % DAY === 0 ? DAY : fromLocal % HOUR === 0 ? HOUR : 1;
  const shift = Math.ceil((toLocal - fromLocal) / unit) * unit;
  return { from: localToUtc(tz, fromLocal - shift), to: localToUtc(tz, toLocal - shift), timezone: tz };
}

/** SQL for the local wall time (ms) of an epoch-ms expression, e.g. `ets`. */
export function localMsSql(msExpr: string, range: ResolvedRange, p: SqlParams): string {
  const spans = offsetSpans(range.timezone, range.from, range.to);
  if (spans.length === 1) return spans[0].offset === 0 ? msExpr : `(${msExpr} + ${p.int(spans[0].offset)})`;
  // Earlier spans first: an instant before the first change takes the first offset.
  const branches = spans
    .slice(1)
    .map((span, i) => `WHEN ${msExpr} < ${p.int(span.from)} THEN ${p.int(spans[i].offset)}`)
    .join(' ');
  return `(${msExpr} + CASE ${branches} ELSE ${p.int(spans[spans.length - 1].offset)} END)`;
}

/** SQL for the bucket number of a local wall time; mirrors time.ts `bucketOf`. */
export function bucketSql(interval: Interval, localMs: string, p: SqlParams): string {
  const d = p.dialect;
  switch (interval) {
    case 'hour':
      return d.intDiv(localMs, String(HOUR));
    case 'day':
      return d.intDiv(localMs, String(DAY));
    case 'week':
      return d.intDiv(`${d.intDiv(localMs, String(DAY))} - 4`, '7');
    case 'month':
      return d.monthNumber(localMs);
  }
}

/** The bucket of an epoch-ms expression in the range's zone. */
export function bucketOfSql(interval: Interval, msExpr: string, range: ResolvedRange, p: SqlParams): string {
  return bucketSql(interval, localMsSql(msExpr, range, p), p);
}

/** `ets` within [from, to). */
export function rangeSql(range: ResolvedRange, p: SqlParams): string {
  return `ets >= ${p.int(range.from)} AND ets < ${p.int(range.to)}`;
}
