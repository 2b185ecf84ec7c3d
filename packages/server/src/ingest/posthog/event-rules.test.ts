// PostHog's per-event rules, called directly (issue 10: ingest/posthog/ was reached only through the HTTP suite
// test/posthog-capture.test.ts): each rejection, where the distinct_id is read from, the event time and clock skew
// as PostHog's capture computes them, and the typed values the loader reads. Each expected value is worked out
// by hand from PostHog's rules as event-rules.ts's docstrings cite them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ETS } from '../column-values.js';
import { checkPostHogEvent, FUTURE_CUTOFF_MS, MAX_DISTINCT_ID, parseIsoTime } from './event-rules.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const UUID = '0190b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b';

test('parseIsoTime reads ISO 8601 as PostHog clients write it, and nothing else', () => {
  const cases: [string, number | undefined][] = [
    ['2024-01-02', Date.UTC(2024, 0, 2)],
    ['2024-01-02T03:04', Date.UTC(2024, 0, 2, 3, 4)],
    ['2024-01-02 03:04:05', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05.123456789Z', Date.UTC(2024, 0, 2, 3, 4, 5, 123)],
    ['2024-01-02T03:04:05.5Z', Date.UTC(2024, 0, 2, 3, 4, 5, 500)],
    ['2024-01-02T03:04:05+0530', Date.UTC(2024, 0, 1, 21, 34, 5)],
    ['2024-01-02T03:04:05+05:30', Date.UTC(2024, 0, 1, 21, 34, 5)],
    ['2024-01-02T03:04:05-01:00', Date.UTC(2024, 0, 2, 4, 4, 5)],
    ['  2024-01-02T03:04:05Z ', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['1', undefined],
    ['May', undefined],
    ['2024-01-02T03', undefined],
    ['2024-01-02T03:04:05.1234567890Z', undefined],
    ['x2024-01-02', undefined],
    ['2024-01-02Z', undefined],
    ['2024-13-45', undefined],
    ['2024-01-02T25:00', undefined],
    // Days and times that do not exist are refused, never rolled over (Date.parse alone gives March 2, the next day).
    ['2026-02-30T00:00:00Z', undefined],
    ['2023-02-29', undefined],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2024-04-31', undefined],
    ['2024-12-31T23:59:59Z', Date.UTC(2024, 11, 31, 23, 59, 59)],
    ['2024-01-02T24:00', undefined],
    ['2024-01-02T03:60', undefined],
    ['2024-01-02T03:04:60Z', undefined],
    ['2024-00-10', undefined],
    ['2024-01-00', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseIsoTime(text), expected, text);
});

test('parseIsoTime reads a time without a zone as UTC, whatever the time zone of the server', () => {
  const zone = process.env.TZ;
  process.env.TZ = 'Asia/Kolkata';
  try {
    assert.equal(parseIsoTime('2024-01-02T03:04:05'), Date.UTC(2024, 0, 2, 3, 4, 5));
    assert.equal(parseIsoTime('2024-01-02 03:04'), Date.UTC(2024, 0, 2, 3, 4));
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});

test('rejections: not an object, a bad uuid, no event name, no distinct_id, a bad time or offset, a time outside 1970…9999', () => {
  const times = { now: NOW };
  const reason = (value: unknown, engage = false) => {
    const verdict = checkPostHogEvent(value, times, engage);
    return verdict.ok ? 'ok' : verdict.reason;
  };
  for (const value of [null, [], 'x', 5]) assert.equal(reason(value), 'not_object', JSON.stringify(value));
  const event = { event: 'e', distinct_id: 'd' };
  assert.equal(reason(event), 'ok');
  assert.equal(reason({ ...event, uuid: 'not-a-uuid' }), 'invalid_uuid');
  assert.equal(reason({ ...event, uuid: 12 }), 'invalid_uuid', 'a uuid that is not text');
  assert.equal(reason({ ...event, uuid: `${UUID}0` }), 'invalid_uuid', 'one character too many');
  assert.equal(reason({ ...event, uuid: UUID.slice(1) }), 'invalid_uuid', 'one character too few');
  assert.equal(reason({ ...event, uuid: `x${UUID}` }), 'invalid_uuid', 'a UUID after other text');
  for (const uuid of [null, '']) assert.equal(reason({ ...event, uuid }), 'ok', `uuid ${uuid} counts as absent`);
  // The forms PostHog's capture parses (the uuid crate's Uuid::parse_str), one event whatever the spelling.
  const hex = '0190F3B2C4D57E6F8A9B0C1D2E3F4A5B';
  const hyphenated = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  for (const uuid of [hyphenated, hex, `{${hyphenated}}`, `urn:uuid:${hyphenated}`, hyphenated.toLowerCase()]) {
    const verdict = checkPostHogEvent({ ...event, uuid }, times);
    assert.equal(verdict.ok && verdict.mid, hyphenated.toLowerCase(), uuid);
  }
  for (const uuid of [
    `{${hex}}`,
    `urn:uuid:${hex}`,
    `${hyphenated.slice(0, 8)}${hyphenated.slice(9)}`,
    `{${hyphenated}`,
  ])
    assert.equal(
      reason({ ...event, uuid }),
      'invalid_uuid',
      `${uuid}: hyphens all or none, braces and urn around the hyphenated form`,
    );
  assert.equal(reason({ distinct_id: 'd' }), 'missing_event_name');
  assert.equal(reason({ event: '', distinct_id: 'd' }), 'missing_event_name');
  assert.equal(reason({ event: '', distinct_id: 'd' }, true), 'missing_event_name', '/engage: only an absent name');
  assert.equal(reason({ event: 'e' }), 'missing_distinct_id');
  assert.equal(reason({ event: 'e', properties: { distinct_id: null } }), 'missing_distinct_id', 'null in properties');
  assert.equal(reason({ distinct_id: 'd' }), 'missing_event_name');
  assert.equal(checkPostHogEvent({ distinct_id: 'd' }, times).ok, false, 'not /engage unless asked');
  for (const distinct_id of [null, '', '   ']) {
    assert.equal(reason({ event: 'e', distinct_id }), 'missing_distinct_id', JSON.stringify(distinct_id));
  }
  assert.equal(reason({ ...event, timestamp: 'yesterday' }), 'invalid_timestamp');
  assert.equal(reason({ ...event, timestamp: 1700000000000 }), 'invalid_timestamp', 'a number is not ISO 8601');
  assert.equal(reason({ ...event, offset: '5' }), 'invalid_timestamp');
  assert.equal(reason({ ...event, offset: Number.NaN }), 'invalid_timestamp');
  assert.equal(reason({ ...event, offset: Number.POSITIVE_INFINITY }), 'invalid_timestamp');
  assert.equal(reason({ ...event, timestamp: '1969-12-31T23:59:59.999Z' }), 'invalid_ets');
  assert.equal(reason({ ...event, timestamp: '1970-01-01T00:00:00Z' }), 'ok', 'the first storable millisecond');
  assert.equal(reason({ ...event, offset: NOW + 1 }), 'invalid_ets', 'an offset reaching before 1970');
  assert.equal(reason({ ...event, offset: NOW - MAX_ETS }), 'ok', 'an offset reaching the last storable millisecond');
  assert.equal(reason({ ...event, offset: NOW - MAX_ETS - 1 }), 'invalid_ets', 'an offset reaching past 9999');
  // Each rejection says why, in the words a client's developer reads in the answer.
  const errors = (value: unknown) => {
    const verdict = checkPostHogEvent(value, times);
    return verdict.ok ? [] : verdict.errors;
  };
  assert.deepEqual(errors('x'), ['an event must be a JSON object']);
  assert.deepEqual(errors({ ...event, uuid: 'u-1' }), ['uuid "u-1" is not a UUID']);
  assert.deepEqual(errors({ distinct_id: 'd' }), ['the event has no "event" name']);
  assert.deepEqual(errors({ ...event, timestamp: 'yesterday' }), ['timestamp "yesterday" is not an ISO 8601 time']);
  assert.deepEqual(errors({ ...event, offset: '5' }), ['offset must be a number of ms']);
  assert.deepEqual(errors({ ...event, offset: NOW + 1 }), ['the event time -1 is outside 1970…9999']);
  const rejected = checkPostHogEvent({ event: 'e', uuid: UUID.toUpperCase() }, times);
  assert.deepEqual(rejected, {
    ok: false,
    reason: 'missing_distinct_id',
    errors: ['the event has no distinct_id (top level, $distinct_id or properties)'],
    // The uuid in the form an accepted event is stored under, as the door's rules report it (collector.test.ts).
    mid: UUID,
    eid: 'e',
  });
});

test('a rejection reports the uuid carried: canonical when it reads as one, as sent when not, none when absent', () => {
  const times = { now: NOW };
  const mid = (event: Record<string, unknown>) => {
    const verdict = checkPostHogEvent(event, times);
    return verdict.ok ? 'accepted' : verdict.mid;
  };
  assert.equal(mid({ event: 'e', uuid: `{${UUID.toUpperCase()}}` }), UUID, 'missing_distinct_id');
  assert.equal(mid({ event: 'e', distinct_id: 'd', uuid: 'not-a-uuid' }), 'not-a-uuid', 'invalid_uuid');
  assert.equal(mid({ distinct_id: 'd', uuid: `urn:uuid:${UUID}` }), UUID, 'missing_event_name');
  assert.equal(mid({ event: 'e' }), undefined, 'no uuid');
});

test('/engage names an event without a name $identify', () => {
  const verdict = checkPostHogEvent({ distinct_id: 'd' }, { now: NOW }, true);
  assert.equal(verdict.ok && verdict.eid, '$identify');
});

test('distinct_id: top level, then $distinct_id, then properties; stringified; cut to 200 characters', () => {
  const idOf = (event: Record<string, unknown>) => {
    const verdict = checkPostHogEvent({ event: 'e', ...event }, { now: NOW });
    assert.ok(verdict.ok, JSON.stringify(event));
    return verdict.columns.actor.id;
  };
  assert.equal(idOf({ distinct_id: 'a', $distinct_id: 'b', properties: { distinct_id: 'c' } }), 'a');
  assert.equal(idOf({ $distinct_id: 'b', properties: { distinct_id: 'c' } }), 'b');
  assert.equal(idOf({ properties: { distinct_id: 'c' } }), 'c');
  assert.equal(idOf({ distinct_id: 42 }), '42');
  assert.equal(idOf({ distinct_id: { a: 1 } }), '{"a":1}');
  assert.equal(idOf({ distinct_id: ' x ' }), ' x ', 'kept as sent once it is not blank');
  assert.equal(idOf({ distinct_id: 'x'.repeat(250) }), 'x'.repeat(MAX_DISTINCT_ID));
  // Characters, not UTF-16 units: 200 emoji stay whole.
  assert.equal(idOf({ distinct_id: '😀'.repeat(201) }), '😀'.repeat(200));
});

test('the event time: timestamp corrected by now − sent_at, offset alone, neither, and the 23 h future cutoff', () => {
  const at = (event: Record<string, unknown>, sentAt?: number) => {
    const verdict = checkPostHogEvent({ event: 'e', distinct_id: 'd', ...event }, { now: NOW, sentAt });
    assert.ok(verdict.ok, JSON.stringify(event));
    return { ets: verdict.columns.ets, offset: verdict.clockOffsetMs };
  };
  const t = Date.UTC(2026, 10, 29, 11, 0, 0);
  const iso = new Date(t).toISOString();
  assert.deepEqual(at({}), { ets: NOW, offset: 0 }, 'neither: now');
  assert.deepEqual(at({ timestamp: '' }), { ets: NOW, offset: 0 }, 'an empty timestamp is absent');
  assert.deepEqual(at({ timestamp: null, offset: null }), { ets: NOW, offset: 0 });
  for (const timestamp of [undefined, null, '']) {
    assert.deepEqual(
      at({ timestamp, offset: 1000 }),
      { ets: NOW - 1000, offset: 0 },
      `timestamp ${timestamp}: offset alone`,
    );
  }
  assert.deepEqual(at({ timestamp: iso }), { ets: t, offset: 0 }, 'no sent_at: as sent');
  // The client's clock is 5 s behind: sent_at reads NOW − 5 s, so PostHog's time is t + 5 s.
  assert.deepEqual(at({ timestamp: iso }, NOW - 5000), { ets: t, offset: 5000 });
  assert.deepEqual(at({ timestamp: iso, properties: { $ignore_sent_at: true } }, NOW - 5000), { ets: t, offset: 0 });
  assert.deepEqual(at({ timestamp: iso, properties: { $ignore_sent_at: 'true' } }, NOW - 5000), {
    ets: t,
    offset: 5000,
  });
  assert.deepEqual(at({ offset: 1500.4 }), { ets: NOW - 1500, offset: 0 }, 'offset alone: now − offset, rounded');
  assert.deepEqual(at({ timestamp: iso, offset: 1000 }), { ets: t, offset: NOW - 1000 - t }, 'offset wins for PostHog');
  assert.deepEqual(at({ timestamp: new Date(NOW + FUTURE_CUTOFF_MS).toISOString() }), {
    ets: NOW + FUTURE_CUTOFF_MS,
    offset: 0,
  });
  assert.deepEqual(
    at({ timestamp: new Date(NOW + FUTURE_CUTOFF_MS + 1).toISOString() }),
    { ets: NOW + FUTURE_CUTOFF_MS + 1, offset: -FUTURE_CUTOFF_MS - 1 },
    'past 23 h ahead: PostHog uses the receive time',
  );
  assert.equal(FUTURE_CUTOFF_MS, 23 * 3600 * 1000);
});

test('the typed values: uuid lowercased (or a new UUIDv7), session, device, library, URL, and the page from $pathname or $screen_name', () => {
  const verdict = checkPostHogEvent(
    {
      event: '$pageview',
      distinct_id: 'user-1',
      uuid: UUID.toUpperCase(),
      properties: {
        $session_id: 's-1',
        $device_id: 'dev-1',
        $lib: 'web',
        $lib_version: '1.2.3',
        $current_url: 'https://example.org/a?b=1',
        $pathname: '/a',
        $screen_name: 'Home',
      },
    },
    { now: NOW },
  );
  assert.deepEqual(verdict, {
    ok: true,
    mid: UUID,
    eid: '$pageview',
    clockOffsetMs: 0,
    columns: {
      eid: '$pageview',
      ets: NOW,
      mid: UUID,
      actor: { id: 'user-1' },
      context: { sid: 's-1', did: 'dev-1', pdata: { id: 'web', ver: '1.2.3' } },
      edata: { uri: 'https://example.org/a?b=1', pageid: '/a' },
    },
  });
  const screen = checkPostHogEvent(
    { event: '$screen', distinct_id: 'u', properties: { $pathname: '', $screen_name: 'Home', $session_id: 7 } },
    { now: NOW },
  );
  assert.ok(screen.ok);
  assert.equal(screen.columns.edata.pageid, 'Home', 'an empty $pathname falls back to $screen_name');
  assert.equal(screen.columns.context.sid, undefined, 'a session id that is not text is left out');
  for (const properties of [null, ['a'], 'text']) {
    const verdict = checkPostHogEvent({ event: 'e', distinct_id: 'd', properties }, { now: NOW });
    assert.ok(verdict.ok, JSON.stringify(properties));
    assert.deepEqual(verdict.columns.context, {
      sid: undefined,
      did: undefined,
      pdata: { id: undefined, ver: undefined },
    });
  }
  const generated = checkPostHogEvent({ event: 'e', distinct_id: 'd' }, { now: NOW });
  assert.ok(generated.ok);
  assert.match(generated.mid, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7');
  assert.equal(generated.columns.mid, generated.mid);
});
