/** The date-range grammar, hand-computed: dates and times that do not exist are refused, never rolled over. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQueryErrors, parseInsight } from './parse.js';
import { parseInstant } from './time.js';

const NOW = Date.UTC(2026, 10, 30, 10, 0); // 2026-11-30T10:00Z, a Monday

/** What a trends query over `dateRange` resolves to: its bounds as ISO instants, or its one-line 400 message. */
function resolved(dateRange: Record<string, string>, now = NOW): string {
  const parsed = parseInsight('trends', { series: [{ eid: 'A' }], dateRange, interval: 'month' }, now);
  if (!parsed.ok) return formatQueryErrors(parsed.errors);
  return `${new Date(parsed.value.range.from).toISOString()} .. ${new Date(parsed.value.range.to).toISOString()}`;
}

test('a date past the end of its month is refused with the month length, not rolled into the next month', () => {
  assert.equal(
    resolved({ from: '2026-02-30' }),
    'dateRange.from: 2026-02-30 is not a date (February 2026 has 28 days)',
  );
  assert.equal(
    resolved({ from: '2026-02-29' }),
    'dateRange.from: 2026-02-29 is not a date (February 2026 has 28 days)',
  );
  // Before the fix these two said "dateRange: from must be before to" (rolled into December and 2027).
  assert.equal(
    resolved({ from: '2026-11-31' }),
    'dateRange.from: 2026-11-31 is not a date (November 2026 has 30 days)',
  );
  assert.equal(resolved({ from: '2026-13-01' }), 'dateRange.from: 2026-13-01 is not a date (months are 01 to 12)');
  assert.equal(resolved({ from: '2026-00-10' }), 'dateRange.from: 2026-00-10 is not a date (months are 01 to 12)');
  assert.equal(resolved({ from: '2026-03-00' }), 'dateRange.from: 2026-03-00 is not a date (days start at 01)');
  assert.equal(
    resolved({ from: '2026-01-01', to: '2026-02-31T00:00:00Z' }),
    'dateRange.to: 2026-02-31T00:00:00Z is not a date-time (February 2026 has 28 days)',
  );
  assert.equal(
    resolved({ from: '2026-04-31T08:00+05:30' }),
    'dateRange.from: 2026-04-31T08:00+05:30 is not a date-time (April 2026 has 30 days)',
  );
});

test('leap years: 29 February exists in 2024 and 2000, not in 2026 or 1900', () => {
  assert.equal(
    resolved({ from: '2024-02-29', to: '2024-02-29' }),
    '2024-02-29T00:00:00.000Z .. 2024-03-01T00:00:00.000Z',
  );
  assert.equal(
    resolved({ from: '2000-02-29', to: '2000-03-01' }),
    '2000-02-29T00:00:00.000Z .. 2000-03-02T00:00:00.000Z',
  );
  assert.equal(
    resolved({ from: '1900-02-29' }),
    'dateRange.from: 1900-02-29 is not a date (February 1900 has 28 days)',
  );
  // The last day of a month as an end includes it: the range ends at the next month's first midnight.
  assert.equal(
    resolved({ from: '2026-02-01', to: '2026-02-28' }),
    '2026-02-01T00:00:00.000Z .. 2026-03-01T00:00:00.000Z',
  );
});

test('a local time the clocks skip (DST moving forward) is refused; the hour repeated at its end is read once', () => {
  assert.equal(
    resolved({ from: '2026-03-08T02:30', timezone: 'America/New_York' }),
    'dateRange.from: 2026-03-08T02:30 is not a date-time (the clocks in America/New_York skip it)',
  );
  assert.equal(
    resolved({ from: '2026-03-08T03:00', to: '2026-03-08T04:00', timezone: 'America/New_York' }),
    '2026-03-08T07:00:00.000Z .. 2026-03-08T08:00:00.000Z',
  );
  // 01:30 on the day the clocks go back happens twice: the first (daylight time) is taken.
  assert.equal(
    resolved({ from: '2026-11-01T01:30', to: '2026-11-01T03:00', timezone: 'America/New_York' }),
    '2026-11-01T05:30:00.000Z .. 2026-11-01T08:00:00.000Z',
  );
});

test('a time of day past 23:59:59 is refused; 24:00 too (write the next day at 00:00)', () => {
  assert.equal(
    resolved({ from: '2026-11-29T24:00' }),
    "dateRange.from: 2026-11-29T24:00 is not a date-time (hours are 00 to 23; the end of a day is the next day's 00:00)",
  );
  assert.equal(
    resolved({ from: '2026-11-29T23:60' }),
    'dateRange.from: 2026-11-29T23:60 is not a date-time (minutes are 00 to 59)',
  );
  assert.equal(
    resolved({ from: '2026-11-29T23:59:60Z' }),
    'dateRange.from: 2026-11-29T23:59:60Z is not a date-time (seconds are 00 to 59)',
  );
  assert.equal(
    resolved({ from: '2026-11-29T10:00+24:00' }),
    'dateRange.from: 2026-11-29T10:00+24:00 is not a date-time (offset hours are 00 to 23)',
  );
  assert.equal(
    resolved({ from: '2026-11-29T10:00-05:60' }),
    'dateRange.from: 2026-11-29T10:00-05:60 is not a date-time (offset minutes are 00 to 59)',
  );
  assert.equal(resolved({ from: '2026-11-29T23:59:59' }), '2026-11-29T23:59:59.000Z .. 2026-11-30T10:00:00.000Z');
  assert.equal(resolved({ from: '2026-11-30T00:00' }), '2026-11-30T00:00:00.000Z .. 2026-11-30T10:00:00.000Z');
});

test('both ends wrong: each named, and no "from must be before to" on top', () => {
  assert.equal(
    resolved({ from: '2026-02-30', to: '2026-11-29T24:00' }),
    'dateRange.from: 2026-02-30 is not a date (February 2026 has 28 days); ' +
      "dateRange.to: 2026-11-29T24:00 is not a date-time (hours are 00 to 23; the end of a day is the next day's 00:00)",
  );
  assert.equal(
    resolved({ from: 'yesterday' }),
    'dateRange.from: must be -7d/-24h/-2w/-3m/-1y, now, a date or a date-time',
  );
});

/** One end of a range as an ISO instant, or the reason it is not one. */
function at(text: string, tz = 'UTC', isEnd = false, now = NOW): string {
  const t = parseInstant(text, tz, now, isEnd);
  return typeof t === 'number' ? new Date(t).toISOString() : t;
}

test('valid date-times resolve as before: local in the query zone, Z and offsets as written', () => {
  const kolkata = (text: string, isEnd = false) => at(text, 'Asia/Kolkata', isEnd);
  assert.equal(kolkata('2026-11-29'), '2026-11-28T18:30:00.000Z');
  assert.equal(kolkata('2026-11-29', true), '2026-11-29T18:30:00.000Z');
  assert.equal(kolkata('2026-11-29T10:00'), '2026-11-29T04:30:00.000Z');
  assert.equal(kolkata('2026-11-29T10:00:30.250'), '2026-11-29T04:30:30.250Z');
  assert.equal(kolkata('2026-11-29T10:00Z'), '2026-11-29T10:00:00.000Z');
  assert.equal(kolkata('2026-11-29T10:00:00-03:30'), '2026-11-29T13:30:00.000Z');
  assert.equal(kolkata('2026-11-29T10:00:00.123456+01:00'), '2026-11-29T09:00:00.123Z');
  // Across a DST change the offset is the one in force on that day (New York: -5 in winter, -4 in summer).
  assert.equal(at('2026-07-04', 'America/New_York'), '2026-07-04T04:00:00.000Z');
  assert.equal(at('2026-12-25', 'America/New_York'), '2026-12-25T05:00:00.000Z');
});

test('a fraction of a second is a decimal fraction: .5 is 500 ms (it was read as 5 ms)', () => {
  assert.equal(at('2026-11-29T10:00:00.5'), '2026-11-29T10:00:00.500Z');
  assert.equal(at('2026-11-29T10:00:00.05'), '2026-11-29T10:00:00.050Z');
});

test('years before 100 and before year 1 are themselves, in every zone (not 19xx)', () => {
  assert.equal(at('0050-01-01'), '0050-01-01T00:00:00.000Z');
  assert.equal(at('0050-01-01', 'Asia/Kolkata'), '0049-12-31T18:06:32.000Z'); // Kolkata's local mean time, +5:53:28
  assert.equal(at('0000-02-29'), '0000-02-29T00:00:00.000Z'); // year 0 (1 BC) is a leap year
  assert.equal(at('0001-01-01T00:00', 'UTC'), '0001-01-01T00:00:00.000Z');
  assert.equal(at('0001-01-01', 'UTC', true), '0001-01-02T00:00:00.000Z');
});

test('relative months and years land on the same day, or the last day of a shorter month', () => {
  assert.equal(resolved({ from: '-9m' }), '2026-02-28T00:00:00.000Z .. 2026-11-30T10:00:00.000Z'); // was 2026-03-02
  assert.equal(at('-1m'), '2026-10-30T00:00:00.000Z');
  assert.equal(at('-3m'), '2026-08-30T00:00:00.000Z');
  assert.equal(at('-11m'), '2025-12-30T00:00:00.000Z');
  assert.equal(at('-12m'), '2025-11-30T00:00:00.000Z');
  assert.equal(at('-21m'), '2025-02-28T00:00:00.000Z');
  assert.equal(at('-33m'), '2024-02-29T00:00:00.000Z'); // a leap February keeps its 29th
  const mar31 = Date.UTC(2026, 2, 31, 12);
  assert.equal(at('-1m', 'UTC', false, mar31), '2026-02-28T00:00:00.000Z'); // was 2026-03-03
  assert.equal(at('-1m', 'UTC', false, Date.UTC(2024, 2, 31, 12)), '2024-02-29T00:00:00.000Z');
  assert.equal(at('-2m', 'UTC', false, Date.UTC(2026, 4, 31, 12)), '2026-03-31T00:00:00.000Z');
  assert.equal(at('-1m', 'UTC', false, Date.UTC(2026, 0, 31, 12)), '2025-12-31T00:00:00.000Z');
  const feb29 = Date.UTC(2024, 1, 29, 12);
  assert.equal(at('-1y', 'UTC', false, feb29), '2023-02-28T00:00:00.000Z'); // was 2023-03-01
  assert.equal(at('-4y', 'UTC', false, feb29), '2020-02-29T00:00:00.000Z');
  assert.equal(at('-1y'), '2025-11-30T00:00:00.000Z');
  // Days and weeks count days, as before.
  assert.equal(at('-7d'), '2026-11-23T00:00:00.000Z');
  assert.equal(at('-2w', 'UTC', false, mar31), '2026-03-17T00:00:00.000Z');
  assert.equal(at('-24h'), '2026-11-29T10:00:00.000Z');
});

test('relative ranges are counted on the local calendar of the query zone', () => {
  // 31 March 2026 02:00 in Kolkata (+5:30) is still 30 March in UTC: one month back is 28 February, Kolkata midnight.
  const kolkataMar31 = Date.UTC(2026, 2, 30, 20, 30);
  assert.equal(at('-1m', 'Asia/Kolkata', false, kolkataMar31), '2026-02-27T18:30:00.000Z');
  assert.equal(at('-1m', 'UTC', false, kolkataMar31), '2026-02-28T00:00:00.000Z');
  // 31 May in New York (summer, -4) back to 31 March (summer since 8 March): midnight is 04:00Z; to 28 Feb (winter, -5): 05:00Z.
  const nyMay31 = Date.UTC(2026, 4, 31, 16);
  assert.equal(at('-2m', 'America/New_York', false, nyMay31), '2026-03-31T04:00:00.000Z');
  assert.equal(at('-3m', 'America/New_York', false, nyMay31), '2026-02-28T05:00:00.000Z');
});
