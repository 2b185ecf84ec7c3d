// The date-range grammar on random dates, times and clocks: parseInstant agrees with a slow reference written here
// from the calendar's rules (a table of month lengths, the leap rule, days counted one year at a time), and with
// Date.parse for the instants it accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bucketCount, bucketOf, bucketStart, bucketsOf, localToUtc, offsetAt, parseInstant } from './time.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 30, 10, 0);
const ZONES = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham'];

/** `February`: the English name of month `m` (1–12), from Intl rather than a table like the one under test. */
const monthName = (m: number) =>
  new Date(Date.UTC(2001, m - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
const LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (y: number, m: number) => (m === 2 && leap(y) ? 29 : LENGTHS[m - 1]);
const isDate = (y: number, m: number, d: number) => m >= 1 && m <= 12 && d >= 1 && d <= monthDays(y, m);

/** Days from 1970-01-01 to the day `y-m-d` (a real one), counted a year and then a month at a time. */
function dayNumber(y: number, m: number, d: number): number {
  let days = 0;
  for (let year = 1970; year < y; year++) days += leap(year) ? 366 : 365;
  for (let year = y; year < 1970; year++) days -= leap(year) ? 366 : 365;
  for (let month = 1; month < m; month++) days += monthDays(y, month);
  return days + d - 1;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** Days near the ends of months come up as often as any other. */
const dayArb = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 27, max: 32 }));
const yearArb = fc.oneof(fc.integer({ min: 1600, max: 2400 }), fc.constantFrom(1900, 2000, 2024, 2026, 2100));

test('a date is accepted iff its day is in its month (leap rule), and is that day; the message names the month', () => {
  fc.assert(
    fc.property(yearArb, fc.integer({ min: 0, max: 13 }), dayArb, (y, m, d) => {
      const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
      const start = parseInstant(text, 'UTC', NOW, false);
      const end = parseInstant(text, 'UTC', NOW, true);
      if (isDate(y, m, d)) {
        assert.equal(start, dayNumber(y, m, d) * DAY, text);
        assert.equal(end, (dayNumber(y, m, d) + 1) * DAY, text);
        return;
      }
      assert.equal(typeof start, 'string', text);
      assert.equal(end, start);
      const why = m < 1 || m > 12 ? 'months are 01 to 12' : d < 1 ? 'days start at 01' : undefined;
      assert.equal(start, `${text} is not a date (${why ?? `${monthName(m)} ${y} has ${monthDays(y, m)} days`})`);
    }),
    { numRuns: 500 },
  );
});

test('a date-time is accepted iff date, time and offset exist, and is the instant Date.parse reads', () => {
  const zoneArb = fc.oneof(
    fc.constant(''),
    fc.constant('Z'),
    fc
      .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
      .map(([sign, h, m]) => `${sign}${pad(h)}:${pad(m)}`),
  );
  const timeArb = fc.record({
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.option(fc.integer({ min: 0, max: 61 }), { nil: undefined }),
    fraction: fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      yearArb,
      fc.integer({ min: 1, max: 12 }),
      dayArb,
      timeArb,
      zoneArb,
      fc.constantFrom(...ZONES),
      (y, m, d, t, zone, tz) => {
        const seconds = t.second === undefined ? '' : `:${pad(t.second)}${t.fraction ? `.${t.fraction}` : ''}`;
        const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(t.hour)}:${pad(t.minute)}${seconds}${zone}`;
        const offset = /^[+-](\d\d):(\d\d)$/.exec(zone);
        const valid =
          isDate(y, m, d) &&
          t.hour <= 23 &&
          t.minute <= 59 &&
          (t.second ?? 0) <= 59 &&
          (!offset || (Number(offset[1]) <= 23 && Number(offset[2]) <= 59));
        const got = parseInstant(text, tz, NOW, false);
        // A local wall time inside a DST gap (the clocks skip it) is no instant.
        const wall = Date.parse(`${text}Z`);
        const skipped = valid && zone === '' && localToUtc(tz, wall) + offsetAt(tz, localToUtc(tz, wall)) !== wall;
        if (!valid || skipped) {
          assert.match(String(got), /^.+ is not a date-time \(.+\)$/, text);
          assert.ok(String(got).startsWith(`${text} is not a date-time (`), text);
          return;
        }
        // A local date-time is the wall time of `tz` (the zone machinery is tested elsewhere); the rest is absolute.
        const expected = zone === '' ? localToUtc(tz, Date.parse(`${text}Z`)) : Date.parse(text);
        assert.equal(got, expected, text);
        if (zone === 'Z') {
          const ms = t.second !== undefined && t.fraction ? Number(t.fraction.slice(0, 3).padEnd(3, '0')) : 0;
          const time = t.hour * HOUR + t.minute * MINUTE + (t.second ?? 0) * 1000 + ms;
          assert.equal(got, dayNumber(y, m, d) * DAY + time, text);
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('-Nm and -Ny: the local midnight of the same day N months back, or of the last day of a shorter month', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }),
      fc.constantFrom(...ZONES),
      fc.constantFrom('m', 'y'),
      fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 9999 })),
      (now, tz, unit, n) => {
        const today = new Date(now + offsetAt(tz, now));
        let [y, m] = [today.getUTCFullYear(), today.getUTCMonth() + 1];
        // One month back at a time.
        for (let i = 0; i < (unit === 'y' ? 12 * n : n); i++) [y, m] = m === 1 ? [y - 1, 12] : [y, m - 1];
        const d = Math.min(today.getUTCDate(), monthDays(y, m));
        assert.equal(parseInstant(`-${n}${unit}`, tz, now, false), localToUtc(tz, dayNumber(y, m, d) * DAY));
      },
    ),
    { numRuns: 300 },
  );
});

test('month buckets: the bucket of any day, 1900 to 2100, starts on the 1st of its month, before 1970 too', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1900, max: 2100 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      (y, m, d) => {
        const n = bucketOf('month', Date.UTC(y, m - 1, d, 13));
        assert.equal(n, (y - 1970) * 12 + m - 1);
        assert.equal(
          new Date(bucketStart('month', n)).toISOString().slice(0, 10),
          `${y}-${String(m).padStart(2, '0')}-01`,
        );
      },
    ),
  );
});

test('bucketCount is the length of bucketsOf, in any zone and interval', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...(['hour', 'day', 'week', 'month'] as const)),
      fc.constantFrom(...ZONES),
      fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2040, 0, 1) }),
      fc.integer({ min: 1, max: 400 * DAY }),
      (interval, timezone, from, length) => {
        const range = { from, to: from + length, timezone };
        assert.equal(bucketCount(interval, range), bucketsOf(interval, range).length);
      },
    ),
    { numRuns: 300 },
  );
});
