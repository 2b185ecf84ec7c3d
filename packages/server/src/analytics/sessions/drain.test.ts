/** Integration: events loaded through the real DuckDB store and spool format, then drained into `summaries`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aroundSummarize, openTestStore, T0, v3 } from '../../../test/sessions-fixtures.js';
import { MIGRATIONS } from '../../store/duckdb/migrations.js';
import type { Store } from '../../store/store.js';
import { drainSummaryQueue, readBound } from './drain.js';

async function rows(store: Store, sql: string) {
  return (await store.query(sql)).rows;
}

test('drain: more streams than one chunk of keys (2,048): each stream gets its own rows and state, resumed after', async () => {
  const { store, load } = await openTestStore();
  try {
    const devices = Array.from({ length: 2_500 }, (_, i) => `dev-${String(i).padStart(4, '0')}`);
    // A session a device, as long as its number: each stream's row says which one it is.
    await load(
      devices.flatMap((d, i) => [v3(d, 'START', 0, { type: 'app' }), v3(d, 'END', 1 + (i % 500), { type: 'app' })]),
    );
    assert.equal((await drainSummaryQueue(store)).streams, 2_500);
    const wrong = await rows(
      store,
      `SELECT count(*) FILTER (WHERE time_spent <> 1 + CAST(substr(did, 5) AS INTEGER) % 500 OR actor_id <> 'u-' || did),
        count(DISTINCT did) FROM summaries`,
    );
    assert.deepEqual(wrong, [[0, 2_500]]);
    await load(devices.map((d) => v3(d, 'INTERACT', 600)));
    const again = await drainSummaryQueue(store);
    assert.deepEqual([again.streams, again.resumed], [2_500, 2_500]);
    assert.deepEqual(await rows(store, 'SELECT count(*), count(DISTINCT did) FROM summary_state'), [[2_500, 2_500]]);
  } finally {
    await store.close();
  }
});

test('drain: summaries and page times from loaded events, redone when a late event arrives', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([
      v3('d1', 'START', 0, { type: 'app' }),
      v3('d1', 'IMPRESSION', 10, { type: 'view', pageid: 'home' }),
      v3('d1', 'INTERACT', 20),
      v3('d1', 'LOG', 25, { type: 'api_call', level: 'INFO', message: 'x' }),
      v3('d1', 'END', 100, { type: 'app' }),
      v3('d2', 'INTERACT', 0),
      v3('d2', 'INTERACT', 700), // idle: counts zero, so d2 has no time and no summary
    ]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 2,
      summaries: 1,
      resumed: 0,
      eventsRead: 6,
      caughtUp: true,
    });
    assert.deepEqual(
      await rows(
        store,
        `SELECT did, channel, pdata_id, actor_id, sid, type, mode, depth, start_time - ${T0}, end_time - ${T0},
        time_spent, interact_events_count, event_count, events_summary['INTERACT'], events_summary['LOG'] FROM summaries`,
      ),
      [['d1', 'ch1', 'app.web', 'u-d1', 's-d1', 'app', '', 0, 0, 100000, 100, 1, 4, 1, null]],
    );
    assert.deepEqual(await rows(store, 'SELECT pageid, time_spent FROM page_time'), [['home', 90]]);
    assert.deepEqual(await rows(store, 'SELECT count(*) FROM summary_queue'), [[0]]);

    // Draining again does nothing; a late event in the middle of d1 is summarized in place.
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 0,
      summaries: 0,
      resumed: 0,
      eventsRead: 0,
      caughtUp: true,
    });
    await load([v3('d1', 'INTERACT', 50), v3('d1', 'INTERACT', 5)]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 0,
      eventsRead: 6,
      caughtUp: true,
    });
    assert.deepEqual(await rows(store, 'SELECT time_spent, interact_events_count, event_count FROM summaries'), [
      [100, 3, 6],
    ]);

    // Events after the last one resume the saved state and read only themselves.
    await load([v3('d1', 'INTERACT', 130), v3('d1', 'INTERACT', 160)]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 1,
      eventsRead: 2,
      caughtUp: true,
    });
    assert.deepEqual(
      await rows(
        store,
        'SELECT type, time_spent, interact_events_count, event_count, is_open FROM summaries ORDER BY 1',
      ),
      [
        ['app', 100, 3, 6, false],
        ['app', 30, 2, 2, true], // implicit app summary after the END, left open for the next events
      ],
    );
    assert.deepEqual(await rows(store, 'SELECT pageid, time_spent, is_open FROM page_time'), [['home', 150, true]]);
    // Where d1's open rows start (the page view, at 10 s, before the open summary, at 130 s): the next resumed drain
    // deletes no row before it; d2 left no row open.
    assert.deepEqual(await rows(store, `SELECT did, open_from - ${T0} FROM summary_state ORDER BY did`), [
      ['d1', 10_000],
      ['d2', null],
    ]);
  } finally {
    await store.close();
  }
});

test('drain: a failed drain leaves the queue for the next one', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([v3('d1', 'START', 0, { type: 'app' }), v3('d1', 'END', 30, { type: 'app' })]);
    await store.query('ALTER TABLE summaries RENAME TO summaries_away');
    await assert.rejects(drainSummaryQueue(store));
    assert.deepEqual(await rows(store, 'SELECT count(*) FROM summary_queue'), [[1]]);
    await store.query('ALTER TABLE summaries_away RENAME TO summaries');
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 1,
      summaries: 1,
      resumed: 0,
      eventsRead: 2,
      caughtUp: true,
    });
  } finally {
    await store.close();
  }
});

test('drain: the read bound of 300,000 queued streams (Math.min(...keys) overflowed the stack)', () => {
  const keys = Array.from({ length: 300_000 }, (_, i) => ({ resume: true, resumeEts: T0 + 300_000 - i, fromEts: 0 }));
  assert.equal(readBound(keys), T0 + 1);
  // A new stream (no saved state) bounds the read just below its first loaded event; a late event unbounds it.
  assert.equal(readBound([...keys, { resume: false, resumeEts: null, fromEts: T0 - 5 }]), T0 - 6);
  assert.equal(readBound([...keys, { resume: false, resumeEts: T0 + 9, fromEts: T0 }]), null);
});

test('drain: a resumed stream whose new events are gone by the drain (erased) keeps its open summary and page view', async () => {
  const { store, load } = await openTestStore();
  try {
    // Three devices mid-session: an app START, a page, a click, and nothing ends them.
    await load(
      ['d1', 'd2', 'd3'].flatMap((did) => [
        v3(did, 'START', 0, { type: 'app' }),
        v3(did, 'IMPRESSION', 10, { type: 'view', pageid: 'home' }),
        v3(did, 'INTERACT', 40),
      ]),
    );
    await drainSummaryQueue(store);
    // Each gets a click; d1's and d3's (the first and last queued streams) are erased before the next drain.
    await load([v3('d1', 'INTERACT', 50), v3('d2', 'INTERACT', 60), v3('d3', 'INTERACT', 50)]);
    await store.query(`DELETE FROM events WHERE did IN ('d1', 'd3') AND ets > ${T0 + 45_000}`);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 3,
      summaries: 3,
      resumed: 3,
      eventsRead: 1,
      caughtUp: true,
    });
    assert.deepEqual(
      await rows(store, 'SELECT did, time_spent, interact_events_count, is_open FROM summaries ORDER BY did'),
      [
        ['d1', 40, 1, true],
        ['d2', 60, 2, true],
        ['d3', 40, 1, true],
      ],
    );
    assert.deepEqual(await rows(store, 'SELECT did, pageid, time_spent, is_open FROM page_time ORDER BY did'), [
      ['d1', 'home', 30, true],
      ['d2', 'home', 50, true],
      ['d3', 'home', 30, true],
    ]);
    // Each resumes next time from its own last summarized event.
    assert.deepEqual(await rows(store, `SELECT did, resume_ets - ${T0} FROM summary_state ORDER BY did`), [
      ['d1', 40_000],
      ['d2', 60_000],
      ['d3', 40_000],
    ]);
  } finally {
    await store.close();
  }
});

test("drain: loads commit while the summarizer runs; what they queue stays, and the next drain gives one pass's rows", {
  timeout: 120_000,
}, async () => {
  const first = [v3('d1', 'START', 0, { type: 'app' }), v3('d1', 'INTERACT', 10), v3('d2', 'INTERACT', 0)];
  const during = [
    v3('d1', 'INTERACT', 20), // after d1's last: d1 resumes
    v3('d1', 'END', 40, { type: 'app' }),
    v3('d2', 'START', -5, { type: 'app' }), // before d2's first: d2 is recomputed
    v3('d3', 'START', 0, { type: 'app' }),
    v3('d3', 'END', 9, { type: 'app' }),
  ];
  const { store, load } = await openTestStore();
  const reference = await openTestStore();
  try {
    await load(first);
    // The summarizer's step loads more before it returns. Were loads to wait for the whole drain, this would never end.
    const interleaved = aroundSummarize(store, async (summarize, drain) => {
      await load(during);
      return summarize(drain);
    });
    assert.deepEqual(await drainSummaryQueue(interleaved), {
      streams: 2,
      summaries: 1,
      resumed: 0,
      eventsRead: 3,
      caughtUp: true,
    });
    // The drain read its snapshot: the three streams the second load queued are still queued.
    assert.deepEqual(await rows(store, 'SELECT count(DISTINCT did) FROM summary_queue'), [[3]]);
    assert.deepEqual(await drainSummaryQueue(store), {
      streams: 3,
      summaries: 3,
      resumed: 1,
      eventsRead: 6,
      caughtUp: true,
    });
    assert.deepEqual(await rows(store, 'SELECT count(*) FROM summary_queue'), [[0]]);

    await reference.load([...first, ...during]);
    await drainSummaryQueue(reference.store);
    for (const table of ['summaries', 'page_time']) {
      const all = `SELECT * FROM ${table} ORDER BY ALL`;
      assert.deepEqual(await rows(store, all), await rows(reference.store, all), table);
    }
    assert.ok(((await rows(store, 'SELECT count(*) FROM summaries'))[0][0] as number) >= 3);
  } finally {
    await store.close();
    await reference.store.close();
  }
});

test('drain: once close() has begun, drains, loads and reads are refused (STORE_UNAVAILABLE); a drain begun before it writes', async () => {
  const { store, load } = await openTestStore();
  await load([v3('d1', 'START', 0, { type: 'app' }), v3('d1', 'END', 10, { type: 'app' })]);
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let wrote = 0;
  const before = drainSummaryQueue(
    aroundSummarize(store, async (summarize, drain) => {
      await gate;
      const rows = await summarize(drain);
      wrote = rows.length;
      return rows;
    }),
  );
  const closed = store.close();
  const refused = /the store is closed/;
  await assert.rejects(drainSummaryQueue(store), refused);
  await assert.rejects(load([v3('d2', 'INTERACT', 1)]), refused);
  await assert.rejects(store.query('SELECT 1'), refused);
  release();
  assert.deepEqual(await before, { streams: 1, summaries: 1, resumed: 0, eventsRead: 2, caughtUp: true });
  assert.equal(wrote, 1);
  await closed;
});

test('drain: a stream an older store left without a saved state is summarized whole again (migration 15)', async () => {
  const { store, load } = await openTestStore();
  const once = await openTestStore();
  const summariesOf = (s: Store) =>
    rows(s, 'SELECT type, start_time, end_time, time_spent, event_count FROM summaries ORDER BY start_time, depth');
  try {
    const early = [
      v3('d1', 'START', 0, { type: 'app' }),
      v3('d1', 'IMPRESSION', 10, { type: 'view', pageid: 'home' }),
      v3('d1', 'END', 100, { type: 'app' }),
    ];
    // After a break of over 30 minutes: a second session.
    const later = [v3('d1', 'START', 4000, { type: 'app' }), v3('d1', 'END', 4100, { type: 'app' })];
    await load(early);
    await drainSummaryQueue(store);
    // As a store summarized before migration 3 is: rows, no saved state, nothing queued.
    await store.query('DELETE FROM summary_state');
    for (const sql of MIGRATIONS.find((m) => m.version === 15)?.sql ?? []) await store.query(sql);
    await load(later);
    await drainSummaryQueue(store);
    await once.load([...early, ...later]);
    await drainSummaryQueue(once.store);
    assert.equal((await summariesOf(once.store)).length, 2);
    assert.deepEqual(await summariesOf(store), await summariesOf(once.store));
  } finally {
    await store.close();
    await once.store.close();
  }
});
