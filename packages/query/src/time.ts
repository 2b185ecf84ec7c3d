/**
 * Calendar arithmetic for insights: time zones, date ranges and interval buckets are worked out
 * here in TypeScript, so the SQL only adds a bound offset to `ets` and divides integers — the same
 * on every engine, with no time-zone database inside the store.
 */

export type Interval = 'hour' | 'day' | 'week' | 'month';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Day 4 after the epoch (1970-01-05) is a Monday: weeks start on Monday (ISO 8601). */
const FIRST_MONDAY = 4;

const formatters = new Map<string, Intl.DateTimeFormat>();

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** How far `tz` is ahead of UTC at instant `t`, in ms (local wall time = t + offset). */
export function offsetAt(tz: string, t: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, number> = {};
  let bc = false;
  for (const part of f.formatToParts(new Date(t))) {
    if (part.type === 'era') bc = part.value === 'BC';
    else parts[part.type] = Number(part.value);
  }
  // Intl counts years 1 BC, 2 BC… where the proleptic calendar of Date has 0, -1…
  const year = bc ? 1 - parts.year : parts.year;
  const local = wallMs(year, parts.month, parts.day, parts.hour, parts.minute, parts.second);
  return local - Math.floor(t / 1000) * 1000;
}

/** The instant at which the wall clock in `tz` shows `localMs` (a wall time written as if it were UTC). */
export function localToUtc(tz: string, localMs: number): number {
  const guess = localMs - offsetAt(tz, localMs);
  return localMs - offsetAt(tz, guess);
}

/** A zone's offset from `from` on; the list is ordered and the first span covers everything before it too. */
export interface OffsetSpan {
  from: number;
  offset: number;
}

/** The offsets in force over [from, to): one span for most zones, one more per DST change. */
export function offsetSpans(tz: string, from: number, to: number): OffsetSpan[] {
  const spans: OffsetSpan[] = [{ from, offset: offsetAt(tz, from) }];
  for (let t = from; t < to; t += DAY) {
    const next = Math.min(t + DAY, to);
    const current = spans[spans.length - 1].offset;
    if (offsetAt(tz, next) === current) continue;
    // Binary search to the minute for the change inside this day.
    let lo = t;
    let hi = next;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (offsetAt(tz, mid) === current) lo = mid;
      else hi = mid;
    }
    const at = Math.floor(hi / 60_000) * 60_000;
    spans.push({ from: at, offset: offsetAt(tz, at) });
  }
  return spans;
}

/** The bucket number of a local wall time; mirrored in SQL by sql-time.ts `bucketSql`. */
export function bucketOf(interval: Interval, localMs: number): number {
  const day = Math.floor(localMs / DAY);
  switch (interval) {
    case 'hour':
      return Math.floor(localMs / HOUR);
    case 'day':
      return day;
    case 'week':
      return Math.floor((day - FIRST_MONDAY) / 7);
    case 'month': {
      const d = new Date(localMs);
      return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
    }
  }
}

/** The local wall time at which bucket `n` starts. */
export function bucketStart(interval: Interval, n: number): number {
  switch (interval) {
    case 'hour':
      return n * HOUR;
    case 'day':
      return n * DAY;
    case 'week':
      return (n * 7 + FIRST_MONDAY) * DAY;
    case 'month':
      // Floor, not `%`, for the month too: bucket -1 is December 1969 (`-1 % 12` is -1).
      return Date.UTC(1970 + Math.floor(n / 12), n - Math.floor(n / 12) * 12, 1);
  }
}

/** A bucket's label: its local start date (`2024-01-31`), or date and hour for hourly buckets (`2024-01-31T13:00`). */
export function bucketLabel(interval: Interval, n: number): string {
  const iso = new Date(bucketStart(interval, n)).toISOString();
  return interval === 'hour' ? iso.slice(0, 16) : iso.slice(0, 10);
}

/** The numbers of the first and last buckets of a range: the ones holding `from` and `to - 1`, in the range's zone. */
function bucketSpan(interval: Interval, range: ResolvedRange): { first: number; last: number } {
  return {
    first: bucketOf(interval, range.from + offsetAt(range.timezone, range.from)),
    last: bucketOf(interval, range.to - 1 + offsetAt(range.timezone, range.to - 1)),
  };
}

/**
 * How many buckets `bucketsOf` gives, without listing them: a range is checked against a limit before anything the
 * size of its buckets is built (an hourly range to the year 9999 has ~70 million).
 */
export function bucketCount(interval: Interval, range: ResolvedRange): number {
  const { first, last } = bucketSpan(interval, range);
  return Math.max(0, last - first + 1);
}

/** Every bucket number from the one holding `from` to the one holding `to - 1`, in the range's zone. */
export function bucketsOf(interval: Interval, range: ResolvedRange): number[] {
  const { first, last } = bucketSpan(interval, range);
  const out: number[] = [];
  for (let n = first; n <= last; n++) out.push(n);
  return out;
}

export interface ResolvedRange {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  timezone: string;
}

const RELATIVE = /^-(\d{1,4})([hdwmy])$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date-time: local without a zone, an instant with `Z` or `±hh:mm`. Any digits of a second's fraction (ms kept). */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?$/;
/** What `parseInstant` says of a text that is none of its forms; the message of `dateRange.from` and `.to`. */
const RANGE_FORMS = 'must be -7d/-24h/-2w/-3m/-1y, now, a date or a date-time';
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `year` has a 29 February (Gregorian: every 4th year, but not every 100th unless it is a 400th). */
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The number of days of `month` (1–12) in `year`. */
function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}

/**
 * A wall time written as if it were UTC, in ms: `month` 1–12, each field may run over into the next (day 32 is
 * the 1st of the next month; the callers add days this way). Unlike `Date.UTC`, years 0–99 are themselves, not 19xx.
 */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** Why `year-month-day` is not a day of the calendar (`February 2026 has 28 days`), or undefined when it is one. */
function dateProblem(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12) return 'months are 01 to 12';
  if (day < 1) return 'days start at 01';
  const days = daysInMonth(year, month);
  if (day > days) return `${MONTH_NAMES[month - 1]} ${String(year).padStart(4, '0')} has ${days} days`;
  return undefined;
}

/**
 * Why `hour:minute:second` is not a time of day, or undefined when it is one. `24:00` (ISO 8601's end of a day) is
 * refused: one spelling per instant, and a date as `to` already includes its whole day. No leap seconds (`:60`).
 */
function timeProblem(hour: number, minute: number, second: number): string | undefined {
  if (hour > 23) return "hours are 00 to 23; the end of a day is the next day's 00:00";
  if (minute > 59) return 'minutes are 00 to 59';
  if (second > 59) return 'seconds are 00 to 59';
  return undefined;
}

/** Why a written offset `±hh:mm` is not one, or undefined when it is one or there is none. */
function offsetProblem(hour: string | undefined, minute: string | undefined): string | undefined {
  if (hour === undefined || minute === undefined) return undefined;
  if (Number(hour) > 23) return 'offset hours are 00 to 23';
  if (Number(minute) > 59) return 'offset minutes are 00 to 59';
  return undefined;
}

/** A date `yyyy-mm-dd` as epoch ms: its local midnight in `tz`, or the next one when `isEnd` (the day is included). */
function parseDate(date: RegExpExecArray, tz: string, isEnd: boolean): number | string {
  const [year, month, day] = date.slice(1, 4).map(Number);
  const problem = dateProblem(year, month, day);
  if (problem) return `${date[0]} is not a date (${problem})`;
  return localToUtc(tz, wallMs(year, month, day + (isEnd ? 1 : 0)));
}

/**
 * A date-time as epoch ms: a local one (no zone) is read on the wall clock of `tz`; one with `Z` or `±hh:mm` is
 * that instant whatever `tz` is. A fraction of a second is truncated to ms, as `Date.parse` does.
 */
function parseDateTime(dt: RegExpExecArray, tz: string): number | string {
  const [year, month, day, hour, minute, second] = dt.slice(1, 7).map((part) => Number(part ?? 0));
  const [fraction, zulu, sign, offsetHour, offsetMinute] = dt.slice(7);
  const problem =
    dateProblem(year, month, day) ?? timeProblem(hour, minute, second) ?? offsetProblem(offsetHour, offsetMinute);
  if (problem) return `${dt[0]} is not a date-time (${problem})`;
  const ms = Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));
  const wall = wallMs(year, month, day, hour, minute, second, ms);
  if (zulu) return wall;
  if (!sign) {
    const utc = localToUtc(tz, wall);
    // A wall time the clocks skip (a DST change moving forward) is no instant: refused, as a 30 February is.
    if (utc + offsetAt(tz, utc) !== wall) return `${dt[0]} is not a date-time (the clocks in ${tz} skip it)`;
    return utc;
  }
  // The offset is how far the written wall time is ahead of UTC.
  return wall - (sign === '-' ? -1 : 1) * (Number(offsetHour) * 60 + Number(offsetMinute)) * 60_000;
}

/**
 * The start of `-<n><unit>` as epoch ms: the start of the local hour (`h`) or day (`d`, `w`, `m`, `y`) that far before
 * `now` in `tz`. Months and years keep the day of the month, or take the target month's last day when it is shorter
 * (`-9m` from 30 November is 28 February, `-1y` from 29 February is 28 February), as PostHog and dayjs do.
 */
function relativeStart(n: number, unit: string, tz: string, now: number): number {
  const local = now + offsetAt(tz, now);
  if (unit === 'h') return localToUtc(tz, Math.floor(local / HOUR) * HOUR - n * HOUR);
  const today = new Date(local);
  const [year, month, day] = [today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()];
  if (unit === 'd' || unit === 'w') return localToUtc(tz, wallMs(year, month, day - (unit === 'w' ? 7 * n : n)));
  // Months counted from January of year 0, so a year boundary is plain division.
  const target = year * 12 + month - 1 - (unit === 'y' ? 12 * n : n);
  const targetYear = Math.floor(target / 12);
  const targetMonth = target - targetYear * 12 + 1;
  return localToUtc(tz, wallMs(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth))));
}

/**
 * One end of a date range as epoch ms, or the reason it is not one (a message for its field path): `-7d` / `-24h`
 * / `-2w` / `-3m` / `-1y` (relative to now, from the start of that local hour or day), `now`, a date (local midnight;
 * as an end, the day is included), a local date-time, or an ISO instant with `Z` or an offset. Dates and times must
 * exist: `2026-02-30` is refused (`… is not a date (February 2026 has 28 days)`), never rolled over to March.
 */
export function parseInstant(text: string, tz: string, now: number, isEnd: boolean): number | string {
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) return relativeStart(Number(relative[1]), relative[2], tz, now);
  const date = DATE.exec(text);
  if (date) return parseDate(date, tz, isEnd);
  const dateTime = DATETIME.exec(text);
  if (dateTime) return parseDateTime(dateTime, tz);
  return RANGE_FORMS;
}
