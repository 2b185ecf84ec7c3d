/** The sessions insight's whole JSON answer on a small hand-computed fixture, through the real store. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQueryErrors, parseInsight } from '@telemetry/query';
import fc from 'fast-check';
import { openTestStore, v3 } from '../../test/sessions-fixtures.js';
import { drainSummaryQueue } from './sessions/index.js';
import { legacySessionsAnswer, runSessions } from './sessions-insight.js';

/** Seconds to two decimals, halves up, from whole milliseconds: integer arithmetic only. */
const centiseconds = (ms: number, n = 1) => Math.floor((2 * ms + 10 * n) / (20 * n)) / 100;

const content = { object: { id: 'do_1', type: 'Content', ver: '1' } };

test('sessions insight: per session, actor, page and content, with filters', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([
      v3('d1', 'START', 0, { type: 'app' }),
      v3('d1', 'IMPRESSION', 10, { type: 'view', pageid: 'home' }),
      v3('d1', 'START', 20, { type: 'player', mode: 'play' }, content),
      v3('d1', 'INTERACT', 30),
      v3('d1', 'END', 50, { type: 'player', mode: 'play' }, content),
      v3('d1', 'END', 100, { type: 'app' }),
      v3('d2', 'START', 0, { type: 'app' }),
      v3('d2', 'INTERACT', 40),
      v3('d2', 'END', 60, { type: 'app' }),
    ]);
    await drainSummaryQueue(store);
    const zero = (from: number, to: number | null) => ({ from, to, sessions: 0 });
    const all = await runSessions(store, {});
    assert.deepEqual(all, {
      // d1's app session: 10 + 10 + 10 + 20 + 50; d2's: 40 + 20
      sessions: { count: 2, timeSpent: 160, avg: 80, median: 80, actors: 2 },
      distribution: [
        zero(0, 10),
        zero(10, 30),
        zero(30, 60),
        { from: 60, to: 180, sessions: 2 },
        zero(180, 600),
        zero(600, 1800),
        zero(1800, 3600),
        zero(3600, null),
      ],
      byActor: [
        { actorId: 'u-d1', count: 1, timeSpent: 100, avg: 100, median: 100 },
        { actorId: 'u-d2', count: 1, timeSpent: 60, avg: 60, median: 60 },
      ],
      // home is viewed from 10 s to the END at 100 s
      byPage: [{ pageid: 'home', count: 1, timeSpent: 90, avg: 90, median: 90 }],
      // the player summary: 10 + 20
      byContent: [{ objectId: 'do_1', count: 1, timeSpent: 30, avg: 30, median: 30 }],
    });
    // The deprecated snake_case answer (one release) carries the same figures.
    const legacy = legacySessionsAnswer(all);
    assert.deepEqual(legacy.sessions, { count: 2, time_spent: 160, avg: 80, median: 80, actors: 2 });
    assert.deepEqual(legacy.by_actor[0], { actor_id: 'u-d1', count: 1, time_spent: 100, avg: 100, median: 100 });
    assert.deepEqual(legacy.by_content, [{ object_id: 'do_1', count: 1, time_spent: 30, avg: 30, median: 30 }]);
    const player = await runSessions(store, { type: 'Player', mode: 'play', buckets: [0, 60] });
    assert.deepEqual(player.sessions, { count: 1, timeSpent: 30, avg: 30, median: 30, actors: 1 });
    assert.deepEqual(player.distribution, [
      { from: 0, to: 60, sessions: 1 },
      { from: 60, to: null, sessions: 0 },
    ]);
    // T0 is 2023-11-14T22:13:20Z: already 15 November in Kolkata, not yet in UTC.
    const kolkata = await runSessions(store, { dateRange: { from: '2023-11-15', timezone: 'Asia/Kolkata' } });
    assert.equal(kolkata.sessions.count, 2);
    const utc = await runSessions(store, { dateRange: { from: '2023-11-15' } });
    assert.equal(utc.sessions.count, 0);
    assert.equal((await runSessions(store, { channel: ['other'] })).sessions.count, 0);
    assert.equal((await runSessions(store, { channel: ['ch1'], pdataId: ['app.web'] })).sessions.count, 2);
    assert.equal((await runSessions(store, { channel: ['ch1'], pdata_id: ['app.web'] })).sessions.count, 2);
  } finally {
    await store.close();
  }
});

test('sessions insight: type and mode select sessions whatever their case, as the summarizer matches them', async () => {
  const { store, load } = await openTestStore();
  try {
    // The summarizer closes a START of mode 'Play' with an END of mode 'play' and keeps the mode first seen.
    await load([
      v3('m1', 'START', 0, { type: 'app' }),
      v3('m1', 'START', 10, { type: 'Player', mode: 'Play' }, content),
      v3('m1', 'END', 40, { type: 'PLAYER', mode: 'play' }, content),
      v3('m1', 'END', 50, { type: 'app' }),
    ]);
    await drainSummaryQueue(store);
    for (const [type, mode] of [
      ['player', 'play'],
      ['PLAYER', 'Play'],
      ['Player', 'PLAY'],
    ])
      assert.deepEqual(
        (await runSessions(store, { type, mode })).sessions,
        {
          count: 1,
          timeSpent: 30,
          avg: 30,
          median: 30,
          actors: 1,
        },
        `${type} ${mode}`,
      );
    assert.equal((await runSessions(store, { type: 'player', mode: 'preview' })).sessions.count, 0);
  } finally {
    await store.close();
  }
});

test('sessions insight: the total and the mean are the decimal rounding of the exact milliseconds, in any order', async () => {
  // Every session is one device's START and END; the summarizer keeps its length to 0.01 s (summary-node's
  // roundHalfUp). An even number of sessions, the last one's length chosen so that the mean lands on a half of
  // 0.01 s, where a sum of doubles, taken in one order or another, can round either way.
  const lengths = fc
    .tuple(
      fc
        .integer({ min: 1, max: 3 })
        .chain((h) => fc.array(fc.integer({ min: 1, max: 9_999 }), { minLength: 2 * h - 1, maxLength: 2 * h - 1 })),
      fc.nat({ max: 200 }),
    )
    .map(([head, k]) => {
      const n = head.length + 1;
      const sum = head.reduce((a, b) => a + b, 0);
      const target = (n / 2) * (2 * (Math.ceil(sum / n) + k) + 1);
      return [...head, target - sum].map((centiseconds) => centiseconds * 10);
    });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(lengths, async (ms) => {
      const { store, load } = await openTestStore();
      try {
        run++;
        await load(
          ms.flatMap((length, i) => [
            v3(`p${run}-${i}`, 'START', 0, { type: 'app' }),
            v3(`p${run}-${i}`, 'END', length / 1000, { type: 'app' }),
          ]),
        );
        await drainSummaryQueue(store);
        const { sessions } = await runSessions(store, {});
        const total = ms.reduce((a, b) => a + b, 0);
        assert.equal(sessions.count, ms.length);
        assert.equal(sessions.timeSpent, centiseconds(total));
        assert.equal(sessions.avg, centiseconds(total, ms.length));
      } finally {
        await store.close();
      }
    }),
    { numRuns: 40 },
  );
});

test('sessions query: malformed documents are rejected with the path that was wrong', () => {
  const reason = (body: unknown) => {
    const parsed = parseInsight('sessions', body);
    return parsed.ok ? 'accepted' : formatQueryErrors(parsed.errors);
  };
  assert.equal(reason({ channel: 'ch1' }), 'channel: must be a list of 1 to 100 items');
  assert.equal(reason({ buckets: [10, 5] }), 'buckets[1]: buckets must be ascending');
  assert.match(reason({ dateRange: { last: '7 days' } }), /^dateRange\.last: /);
  assert.match(reason({ dateRange: { from: '2024-1-1' } }), /^dateRange\.from: must be -7d/);
  assert.equal(reason({ dateRange: { timezone: 'Mars/Base' } }), 'dateRange.timezone: is not an IANA time zone');
  assert.equal(reason({ sql: 'DROP TABLE events' }), 'sql: is not a known field');
  assert.equal(reason({ limit: '5' }), 'limit: must be an integer from 1 to 1000');
  const ok = parseInsight('sessions', { limit: 5, pdata_id: ['a'], dateRange: { last: '1h' } }, 7_200_000);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.query, { dateRange: {}, pdataId: ['a'], limit: 5 });
  assert.deepEqual(ok.value.range, { from: 3_600_000, to: null, timezone: 'UTC' });
  assert.equal(ok.value.legacyAnswer, true, 'a deprecated spelling gets the deprecated answer');
});
