/**
 * Resolves the sessions insight's date range to epoch-ms bounds: `from`/`to` in the forms every
 * insight accepts (time.ts `parseInstant`), or "the last N units", and open-ended when absent.
 */
import { isValidTimeZone, parseInstant } from '../time.js';

export interface DateRange {
  /** A date (`YYYY-MM-DD`), a local date-time, `-7d`-style relative, `now` or an ISO instant; inclusive. */
  from?: string;
  /** Same forms; a bare date includes that whole day. */
  to?: string;
  /** Relative instead: '30m', '24h', '7d', '12w' back from now. */
  last?: string;
  /** IANA timezone for `from`/`to`. Default: 'UTC'. */
  timezone?: string;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function instant(text: string, timezone: string, now: number, isEnd: boolean): number {
  const t = parseInstant(text, timezone, now, isEnd);
  if (t === undefined) throw new TypeError(`"${text}" is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:mm[:ss])`);
  return t;
}

/** [from, to) in epoch ms; null means unbounded. Throws a TypeError on a malformed range. */
export function resolveDateRange(
  range: DateRange | undefined,
  now = Date.now(),
): { from: number | null; to: number | null } {
  if (!range) return { from: null, to: null };
  if (typeof range !== 'object') throw new TypeError('"dateRange" must be an object');
  const timezone = range.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) throw new TypeError(`unknown timezone "${timezone}"`);
  if (range.last !== undefined) {
    const m = /^(\d{1,5})([mhdw])$/.exec(String(range.last));
    if (!m) throw new TypeError('"last" must look like 30m, 24h, 7d or 12w');
    return { from: now - Number(m[1]) * UNITS[m[2]], to: null };
  }
  return {
    from: range.from === undefined ? null : instant(String(range.from), timezone, now, false),
    to: range.to === undefined ? null : instant(String(range.to), timezone, now, true),
  };
}
