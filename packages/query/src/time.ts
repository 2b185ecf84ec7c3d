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
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) parts[part.type] = Number(part.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
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
      return Date.UTC(1970 + Math.floor(n / 12), n % 12, 1);
  }
}

/** A bucket's label: its local start date (`2024-01-31`), or date and hour for hourly buckets (`2024-01-31T13:00`). */
export function bucketLabel(interval: Interval, n: number): string {
  const iso = new Date(bucketStart(interval, n)).toISOString();
  return interval === 'hour' ? iso.slice(0, 16) : iso.slice(0, 10);
}

/** Every bucket number from the one holding `from` to the one holding `to - 1`, in the range's zone. */
export function bucketsOf(interval: Interval, range: ResolvedRange): number[] {
  const first = bucketOf(interval, range.from + offsetAt(range.timezone, range.from));
  const last = bucketOf(interval, range.to - 1 + offsetAt(range.timezone, range.to - 1));
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
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ZONED_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * One end of a date range as epoch ms, or undefined when the text is not one of the accepted forms:
 * `-7d` / `-24h` / `-2w` / `-3m` / `-1y` (relative to now, from the start of that local hour or day),
 * `now`, a date (local midnight; as an end, the day is included), a local date-time, or an ISO
 * instant with `Z` or an offset.
 */
export function parseInstant(text: string, tz: string, now: number, isEnd: boolean): number | undefined {
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) {
    const n = Number(relative[1]);
    const local = new Date(now + offsetAt(tz, now));
    if (relative[2] === 'h') return localToUtc(tz, Math.floor(local.getTime() / HOUR) * HOUR - n * HOUR);
    const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
    const days = relative[2] === 'd' ? n : relative[2] === 'w' ? 7 * n : 0;
    const months = relative[2] === 'm' ? n : relative[2] === 'y' ? 12 * n : 0;
    return localToUtc(tz, Date.UTC(y, m - months, d - days));
  }
  const date = DATE.exec(text);
  if (date) {
    const local = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]) + (isEnd ? 1 : 0));
    return Number.isNaN(local) ? undefined : localToUtc(tz, local);
  }
  const local = LOCAL_DATETIME.exec(text);
  if (local) {
    const [y, mo, d, h, mi, s, ms] = local.slice(1).map((part) => Number(part ?? 0));
    return localToUtc(tz, Date.UTC(y, mo - 1, d, h, mi, s, ms));
  }
  if (ZONED_DATETIME.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
