/**
 * Incremental drains give exactly what one full recompute gives: first for the pure summarizer
 * (stop anywhere, save, restore, continue), then through the real store with events arriving in
 * batches, some late; and a resumed drain reads only the new events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OracleEvent, workflowSummaries } from '../../../test/oracle/sunbird-workflow-summary.js';
import { openTestStore, v3 } from '../../../test/sessions-fixtures.js';
import { random, streamEvents, toStreamEvent } from '../../../test/sessions-traffic.js';
import { queueStreamsSql } from '../../store/duckdb/summary-drain-sql.js';
import type { Store } from '../../store/store.js';
import { drainSummaryQueue } from './drain.js';
import { StreamSummarizer, summarizeStream } from './summarize-stream.js';

const SERVER = new Set(['LOG', 'AUDIT', 'SEARCH']);

const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();

test('summarizer: stopped anywhere, saved, restored and continued, it gives the one-pass rows', () => {
  let cuts = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const rand = random(seed);
    const events = streamEvents(rand, 'd1', 'c1', 'app.web', 10 + Math.floor(rand() * 70))
      .filter((e) => !SERVER.has(e.eid))
      .map(toStreamEvent);
    const whole = summarizeStream(events);
    const expected = [...sorted(whole.summaries), '|', ...sorted(whole.pages)];
    for (let cut = 1; cut < events.length; cut++) {
      // Two stops: at `cut` and half way to the end, each through a saved state.
      const second = cut + Math.floor((events.length - cut) / 2);
      const kept = { summaries: [] as unknown[], pages: [] as unknown[] };
      let state: string | undefined;
      for (const [from, to] of [
        [0, cut],
        [cut, second],
        [second, events.length],
      ]) {
        const stream = new StreamSummarizer({}, state);
        for (const event of events.slice(from, to)) stream.push(event);
        const end = stream.end();
        kept.summaries.push(...end.final.summaries);
        kept.pages.push(...end.final.pages);
        if (to === events.length) {
          kept.summaries.push(...end.open.summaries);
          kept.pages.push(...end.open.pages);
        }
        state = end.state;
      }
      assert.deepEqual([...sorted(kept.summaries), '|', ...sorted(kept.pages)], expected, `seed ${seed} cut ${cut}`);
      cuts++;
    }
  }
  assert.ok(cuts > 4000, `${cuts} cuts`);
});

test('summarizer: a saved state of another format version is refused, not misread', () => {
  const stream = new StreamSummarizer();
  stream.push(toStreamEvent(streamEvents(random(7), 'd1', 'c1', 'app.web', 5)[0]));
  const saved = JSON.parse(stream.end().state);
  assert.equal(saved.version, 1);
  assert.throws(
    () => new StreamSummarizer({}, JSON.stringify({ ...saved, version: 2 })),
    /unknown summary state version 2/,
  );
});

async function tables(store: Store): Promise<string[]> {
  const summaries = await store.query(`SELECT * EXCLUDE (events_summary, start_ts), to_json(events_summary)::VARCHAR
    FROM summaries ORDER BY ALL`);
  const pages = await store.query('SELECT * EXCLUDE (start_ts) FROM page_time ORDER BY ALL');
  return [...summaries.rows, '|', ...pages.rows].map((r) => JSON.stringify(r));
}

test('drain: events in batches, some late, summarized incrementally equal one full recompute and the oracle', async () => {
  let resumed = 0;
  let recomputed = 0;
  for (let seed = 1; seed <= 25; seed++) {
    const rand = random(1000 + seed);
    const events: (OracleEvent & { mid: string; ver: string })[] = [];
    for (const did of ['d1', 'd2', 'd3'])
      for (const e of streamEvents(rand, did, 'c1', 'app.web', 20 + Math.floor(rand() * 100)))
        events.push({ ...e, mid: `m${events.length}`, ver: '3.0' });
    events.sort((a, b) => a.ets - b.ets);
    // K batches in time order; a few events arrive one or two batches late.
    const k = 2 + Math.floor(rand() * 7);
    const batches: (typeof events)[] = Array.from({ length: k }, () => []);
    events.forEach((e, i) => {
      const late = rand() < 0.04 ? 1 + Math.floor(rand() * 2) : 0;
      batches[Math.min(k - 1, Math.floor((i * k) / events.length) + late)].push(e);
    });
    const { store, load } = await openTestStore();
    try {
      for (const batch of batches) {
        if (batch.length === 0) continue;
        await load(batch);
        const result = await drainSummaryQueue(store);
        resumed += result.resumed;
        recomputed += result.streams - result.resumed;
      }
      const incremental = await tables(store);
      // The reference: every stream recomputed from its first event, on the same rows (same load order).
      await store.query('DELETE FROM summary_state');
      await store.query(queueStreamsSql('true'));
      assert.equal((await drainSummaryQueue(store)).resumed, 0);
      assert.deepEqual(incremental, await tables(store), `seed ${seed}`);

      // And Sunbird's model, on the events in load order (its sort is stable too).
      const arrival = batches.flat();
      const oracle = workflowSummaries(arrival)
        .map((s) => JSON.stringify([s.did, s.type, s.mode, s.startTime, s.endTime, s.timeSpent, s.interactEventsCount]))
        .sort();
      const ours = (
        await store.query(`SELECT did, type, mode, start_time, end_time, time_spent, interact_events_count
          FROM summaries`)
      ).rows
        .map((r) => JSON.stringify(r))
        .sort();
      assert.deepEqual(ours, oracle, `seed ${seed} oracle`);
    } finally {
      await store.close();
    }
  }
  // Both paths must have been exercised.
  assert.ok(resumed > 50 && recomputed > 50, `resumed ${resumed}, recomputed ${recomputed}`);
});

test('drain: a busy device resumed batch after batch reads only the new events', async () => {
  const { store, load } = await openTestStore();
  try {
    let second = 0;
    const batch = () =>
      Array.from({ length: 100 }, (_, i) =>
        i % 25 === 0
          ? v3('busy', 'START', ++second, { type: i % 50 ? 'player' : 'app' })
          : v3('busy', i % 10 === 3 ? 'LOG' : 'INTERACT', ++second),
      );
    await load(batch());
    assert.equal((await drainSummaryQueue(store)).eventsRead, 90);
    for (let n = 0; n < 10; n++) {
      await load(batch());
      const result = await drainSummaryQueue(store);
      assert.deepEqual([result.resumed, result.eventsRead], [1, 90]);
    }
  } finally {
    await store.close();
  }
});
