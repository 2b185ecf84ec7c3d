/** Resolves an insight's date range (absolute dates in a timezone, or "last N units") to epoch-ms bounds. */

export interface DateRange {
  /** 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:mm[:ss]', local to `timezone`; inclusive. */
  from?: string;
  /** Same form; a bare date includes that whole day. */
  to?: string;
  /** Relative instead: '30m', '24h', '7d', '12w' back from now. */
  last?: string;
  /** IANA timezone for `from`/`to`. Default: 'UTC'. */
  timezone?: string;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The zone's offset from UTC at instant `utc`, in ms, from Intl (no timezone library needed). */
function offsetAt(utc: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(utc);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utc / 1000) * 1000;
}

function localToUtc(text: string, timeZone: string, endOfDay: boolean): number {
  const m = LOCAL.exec(text);
  if (!m) throw new TypeError(`"${text}" is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:mm[:ss])`);
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const bare = m[4] === undefined;
  let wall = Date.UTC(y, mo - 1, d, bare ? 0 : h, bare ? 0 : mi, s || 0);
  if (endOfDay && bare) wall += 86_400_000; // 'to' as a bare date: up to the start of the next day
  // Two passes settle the offset across a DST change.
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

/** [from, to) in epoch ms; null means unbounded. Throws a TypeError on a malformed range. */
export function resolveDateRange(
  range: DateRange | undefined,
  now = Date.now(),
): { from: number | null; to: number | null } {
  if (!range) return { from: null, to: null };
  if (typeof range !== 'object') throw new TypeError('"dateRange" must be an object');
  const timezone = range.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new TypeError(`unknown timezone "${timezone}"`);
  }
  if (range.last !== undefined) {
    const m = /^(\d{1,5})([mhdw])$/.exec(String(range.last));
    if (!m) throw new TypeError('"last" must look like 30m, 24h, 7d or 12w');
    return { from: now - Number(m[1]) * UNITS[m[2]], to: null };
  }
  return {
    from: range.from === undefined ? null : localToUtc(range.from, timezone, false),
    to: range.to === undefined ? null : localToUtc(range.to, timezone, true),
  };
}
