/** The sessions insight's whole JSON answer on a small hand-computed fixture, through the real store. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStore, v3 } from '../../test/sessions-fixtures.js';
import { drainSummaryQueue } from './sessions/index.js';
import { parseSessionsQuery, runSessions } from './sessions-insight.js';

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
    assert.deepEqual(await runSessions(store, {}), {
      // d1's app session: 10 + 10 + 10 + 20 + 50; d2's: 40 + 20
      sessions: { count: 2, time_spent: 160, avg: 80, median: 80, actors: 2 },
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
      by_actor: [
        { actor_id: 'u-d1', count: 1, time_spent: 100, avg: 100, median: 100 },
        { actor_id: 'u-d2', count: 1, time_spent: 60, avg: 60, median: 60 },
      ],
      // home is viewed from 10 s to the END at 100 s
      by_page: [{ pageid: 'home', count: 1, time_spent: 90, avg: 90, median: 90 }],
      // the player summary: 10 + 20
      by_content: [{ object_id: 'do_1', count: 1, time_spent: 30, avg: 30, median: 30 }],
    });
    const player = await runSessions(store, { type: 'Player', mode: 'play', buckets: [0, 60] });
    assert.deepEqual(player.sessions, { count: 1, time_spent: 30, avg: 30, median: 30, actors: 1 });
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
    assert.equal((await runSessions(store, { channel: ['ch1'], pdata_id: ['app.web'] })).sessions.count, 2);
  } finally {
    await store.close();
  }
});

test('sessions query: malformed documents are rejected with a reason', () => {
  assert.throws(() => parseSessionsQuery({ channel: 'ch1' }), /"channel" must be an array of strings/);
  assert.throws(() => parseSessionsQuery({ buckets: [10, 5] }), /ascending/);
  assert.throws(() => parseSessionsQuery({ dateRange: { last: '7 days' } }), /"last"/);
  assert.throws(() => parseSessionsQuery({ dateRange: { from: '2024-1-1' } }), /not a date/);
  assert.throws(() => parseSessionsQuery({ dateRange: { timezone: 'Mars/Base' } }), /unknown timezone/);
  assert.throws(() => parseSessionsQuery({ sql: 'DROP TABLE events' }), /unknown field "sql"/);
  assert.deepEqual(parseSessionsQuery({ limit: 5 }), { limit: 5 });
});
